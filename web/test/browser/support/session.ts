// One site build and one browser for a test file: started before its tests, stopped after them,
// with the tasks the file created removed.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { removeCreated, waitForApi } from "./api-client";
import { collectPageErrors, launchBrowser } from "./browser";
import { type Site, startSite } from "./site";

export interface GridSession {
  /** A new 1280x800 page at `path` of the site, with the page errors it collects. */
  open: (path: string) => Promise<{ page: Page; errors: string[] }>;
}

export function setUpGridSession(api: string): GridSession {
  let site: Site;
  let browser: Browser;
  beforeAll(async () => {
    await waitForApi(api);
    [site, browser] = await Promise.all([startSite(api), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await removeCreated(api);
    await browser?.close();
    await site?.stop();
  });
  return {
    open: async (path) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors = collectPageErrors(page);
      await page.goto(`${site.url}${path}`);
      return { page, errors };
    },
  };
}
