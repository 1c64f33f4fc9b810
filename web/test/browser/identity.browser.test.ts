// Signing in, as a user of the site would: the development session signs the site in as the demo
// editor, the user menu switches roles and the grid follows; and a page of another origin gets
// nothing from the API, the Invoke port or the site's session.
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_LAMBDA_PORT, BROWSER_SITE_ORIGIN } from "../../../functions/test/support/services";
import { apiJson, createTask, runTag } from "./support/api-client";
import { screenshot } from "./support/browser";
import { waitForTitles } from "./support/grid";
import { setUpGridSession } from "./support/session";
import { apiUrl, serve } from "./support/site";

const api = apiUrl();
const { open } = setUpGridSession(api);
const INVOKE_SEED = `http://127.0.0.1:${BROWSER_LAMBDA_PORT}/2015-03-31/functions/million-tasks-dev-seed/invocations`;

async function signInAs(page: Page, pattern: RegExp): Promise<void> {
  const menu = page.getByRole("combobox", { name: "Signed in as" });
  const option = (await menu.locator("option").allTextContents()).find((text) => pattern.test(text));
  if (!option) throw new Error(`no demo user matches ${pattern}`);
  await menu.selectOption({ label: option });
}

describe("signed in as each demo role", () => {
  it("when the site opens, then it is signed in as the demo editor, who may create, save and delete", async () => {
    const tag = runTag();
    const task = await createTask(api, { title: `editable ${tag}`, tags: [tag] });
    const { page, errors } = await open(`/?tag=${tag}`);
    await waitForTitles(page, [task.title]);
    const menu = page.getByRole("combobox", { name: "Signed in as" });
    expect(await menu.locator("option:checked").textContent()).toBe("Alice Editor (editor)");
    expect(await page.getByRole("button", { name: "New task" }).isEnabled()).toBe(true);
    await page.getByText(task.title).click();
    await expect
      .poll(() => page.getByRole("button", { name: "Save changes" }).isEnabled(), { timeout: 10_000 })
      .toBe(true);
    expect(await page.getByRole("button", { name: "Delete", exact: true }).isEnabled()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when the user menu switches to the viewer, then rows still load but New task, Save and Delete are disabled and say why", async () => {
    const tag = runTag();
    const task = await createTask(api, { title: `read only ${tag}`, tags: [tag] });
    const { page, errors } = await open(`/?tag=${tag}`);
    await waitForTitles(page, [task.title]);
    await signInAs(page, /\(viewer\)$/);
    await waitForTitles(page, [task.title]);
    const create = page.getByRole("button", { name: "New task" });
    expect(await create.isDisabled()).toBe(true);
    expect(await create.getAttribute("title")).toMatch(/viewer.*read tasks but not change them/);
    await page.getByText(task.title).click();
    const save = page.getByRole("button", { name: "Save changes" });
    await expect.poll(() => save.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await save.isDisabled()).toBe(true);
    expect(await save.getAttribute("title")).toMatch(/viewer/);
    expect(await page.getByRole("button", { name: "Delete", exact: true }).isDisabled()).toBe(true);
    await screenshot(page, "signed-in-as-viewer");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when the user menu switches to the admin, then the choice survives a reload and writing is allowed", async () => {
    const tag = runTag();
    const task = await createTask(api, { title: `admin view ${tag}`, tags: [tag] });
    const { page, errors } = await open(`/?tag=${tag}`);
    await waitForTitles(page, [task.title]);
    await signInAs(page, /\(admin\)$/);
    await page.reload();
    await waitForTitles(page, [task.title]);
    const menu = page.getByRole("combobox", { name: "Signed in as" });
    expect(await menu.locator("option:checked").textContent()).toBe("Ada Admin (admin)");
    expect(await page.getByRole("button", { name: "New task" }).isEnabled()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("a page of another origin", () => {
  let evil: { url: string; stop: () => Promise<void> };
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "evil-page-"));
    await writeFile(path.join(dir, "index.html"), "<!doctype html><title>evil</title><p>nothing to see</p>");
    evil = await serve(dir, { port: 0, session: false });
  });
  afterAll(() => evil?.stop());

  it("when it calls the API, the Invoke port and the site's session, then every call fails and nothing is wiped", async () => {
    const before = await apiJson<{ total: number }>(api, "/tasks/stats");
    expect(before.status).toBe(200);
    expect(evil.url).not.toBe(BROWSER_SITE_ORIGIN);
    const { page } = await open("/");
    await page.goto(evil.url);
    const outcomes = await page.evaluate(
      async ({ api, invoke, site }) => {
        const attempt = async (run: () => Promise<Response>) => {
          try {
            const response = await run();
            return `answered ${response.type} ${response.status}`;
          } catch (error) {
            return `failed: ${(error as Error).name}`;
          }
        };
        const wipe = '{"count":0,"truncate":true}';
        return {
          list: await attempt(() => fetch(`${api}/tasks?limit=1`)),
          stats: await attempt(() => fetch(`${api}/tasks/stats`)),
          // The attack of issue 13: text/plain needs no preflight; no-cors sends it blind.
          seedBlind: await attempt(() =>
            fetch(invoke, {
              method: "POST",
              mode: "no-cors",
              headers: { "content-type": "text/plain" },
              body: wipe,
            }),
          ),
          seedRead: await attempt(() =>
            fetch(invoke, { method: "POST", headers: { "content-type": "text/plain" }, body: wipe }),
          ),
          session: await attempt(() => fetch(`${site}/dev-session.json`)),
        };
      },
      { api, invoke: INVOKE_SEED, site: BROWSER_SITE_ORIGIN },
    );
    expect(outcomes).toEqual({
      list: "failed: TypeError",
      stats: "failed: TypeError",
      seedBlind: "answered opaque 0",
      seedRead: "failed: TypeError",
      session: "failed: TypeError",
    });
    const after = await apiJson<{ total: number }>(api, "/tasks/stats");
    expect(after.body.total).toBeGreaterThanOrEqual(before.body.total - 10);
    await page.close();
  });
});
