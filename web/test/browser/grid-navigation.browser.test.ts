// The grid over the whole (seeded) task table: first paint, reaching the last row, keyboard, the
// phone layout and an unreachable API. Budgets are printed, not asserted on time.
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, listTasks, removeCreated, runTag, waitForApi } from "./support/api-client";
import { collectPageErrors, launchBrowser, screenshot } from "./support/browser";
import {
  dragScrollbarToEnd,
  LOADED_ROW,
  positionLabel,
  startFrameProbe,
  stopFrameProbe,
} from "./support/grid";
import { apiUrl, type Site, startSite } from "./support/site";

const api = apiUrl();
let site: Site;
let browser: Browser;
let total = 0;
const budgets: Record<string, string> = {};
/** Rows a local run creates when the database is (nearly) empty: a few blocks' worth. */
const MIN_ROWS = 250;
/** Past the 932,067 rows a plain 36 px list reaches in Chromium. */
const SCALE_ROWS = 950_000;

beforeAll(async () => {
  await waitForApi(api);
  [site, browser] = await Promise.all([startSite(api), launchBrowser()]);
  total = (await listTasks(api, "limit=1")).total.value;
  if (total < MIN_ROWS && !process.env.CI) {
    // An unseeded local stack: enough rows of our own for several blocks (removed afterwards).
    const tag = runTag();
    for (let i = total; i < MIN_ROWS; i++)
      await createTask(api, { title: `filler ${i} ${tag}`, tags: [tag] });
    total = (await listTasks(api, "limit=1")).total.value;
  }
  // The scale checks need more rows than Chromium's height cap lets a plain list show (932,067 of
  // 36 px). The seeded million loses a few tasks as their expiry instants pass, so the bar sits
  // below 1,000,000 on purpose.
  if (total < SCALE_ROWS) {
    const message = `the database holds ${total.toLocaleString("en-US")} tasks; the scale checks want >= ${SCALE_ROWS.toLocaleString("en-US")} (npm run seed -- --count 1000000)`;
    if (process.env.CI) throw new Error(message);
    console.warn(`\n!!! ${message}\n`);
  }
}, 180_000);

afterAll(async () => {
  await removeCreated(api);
  await browser?.close();
  await site?.stop();
  if (Object.keys(budgets).length) {
    console.log("\nGrid budgets (measured, not asserted on time):");
    console.table(budgets);
  }
});

async function open(
  path = "/",
  viewport = { width: 1280, height: 800 },
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors = collectPageErrors(page);
  await page.goto(`${site.url}${path}`);
  return { page, errors };
}

const fmt = (value: number) => value.toLocaleString("en-US");

describe("the task grid over the whole table", () => {
  it("when the page opens, then the first rows appear with the row count and few row elements", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = collectPageErrors(page);
    // Time from navigation start to the first task row in the DOM, taken inside the page.
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelector("tr.grid-row[data-task-id]")) {
          (window as unknown as { __firstRowAt: number }).__firstRowAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true, attributes: true });
    });
    await page.goto(site.url); // warms the stack and the browser; the measured load is the next one
    await page.waitForSelector(LOADED_ROW);
    await page.goto(`${site.url}/`);
    await page.waitForSelector(LOADED_ROW);
    const firstRowsMs = await page.evaluate(
      () => (window as unknown as { __firstRowAt: number }).__firstRowAt,
    );
    budgets["first rows visible after navigation"] = `${Math.round(firstRowsMs)} ms (budget 1,000 ms, warm)`;
    expect(await positionLabel(page)).toMatch(new RegExp(`^rows 1–\\d+ of ${fmt(total)}$`));
    expect(await page.locator("tr.grid-row").count()).toBeLessThanOrEqual(100);

    const scripts = await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((entry) => entry.name)
        .filter((name) => name.endsWith(".js") && name.includes("/_astro/")),
    );
    let gzipped = 0;
    for (const url of scripts)
      gzipped += gzipSync(Buffer.from(await (await fetch(url)).arrayBuffer())).length;
    budgets["island JavaScript, gzipped"] =
      `${(gzipped / 1024).toFixed(1)} KB in ${scripts.length} files (budget 150 KB)`;
    if (site.dist) expect(gzipped).toBeLessThan(150 * 1024);

    await screenshot(page, "grid-desktop");
    await page.emulateMedia({ colorScheme: "dark" });
    await screenshot(page, "grid-desktop-dark");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when the scrollbar is dragged to the bottom, then the last task of the table is shown", async () => {
    const { page, errors } = await open();
    await page.waitForSelector(LOADED_ROW);
    const last = (await listTasks(api, `limit=1&offset=${total - 1}`)).items[0];
    expect(last).toBeDefined();

    await startFrameProbe(page);
    await page.mouse.move(400, 400);
    for (let i = 0; i < 30; i++) {
      await page.mouse.wheel(0, 400);
      await page.waitForTimeout(20);
    }
    await dragScrollbarToEnd(page);
    await page.waitForSelector(`tr[data-row="${total - 1}"][data-task-id="${last?.id}"]`, {
      timeout: 15_000,
    });
    const probe = await stopFrameProbe(page);
    budgets["row elements in the DOM (max over scrolling)"] = `${probe.maxRows} (budget ~100)`;
    budgets["long tasks while scrolling"] = probe.longTasks.length
      ? `${probe.longTasks.length}, longest ${Math.max(...probe.longTasks)} ms (budget: none over 50 ms)`
      : "none";
    expect(probe.maxRows).toBeLessThanOrEqual(100);

    const label = await positionLabel(page);
    expect(label).toMatch(new RegExp(`–${fmt(total)} of ${fmt(total)}$`));
    const lastRow = await page.locator(`tr[data-row="${total - 1}"]`).boundingBox();
    const scroller = await page.locator(".grid-scroller").boundingBox();
    expect(lastRow && scroller && lastRow.y + lastRow.height <= scroller.y + scroller.height + 1).toBe(true);
    await screenshot(page, "grid-last-row");
    await page.waitForURL(/row=\d+/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when wheel-scrolling across the edge of the rendered window, then every frame shows the right rows", async () => {
    const { page, errors } = await open("/?row=50000");
    await page.waitForSelector(LOADED_ROW);
    const windowRows = Number(await page.getAttribute(".grid", "data-window-rows"));
    if (total <= windowRows) {
      // Everything fits in one window: there is no edge to cross (the seeded CI table has one).
      console.warn(
        `!!! ${fmt(total)} rows fit in one window; the recentring check needs more than ${fmt(windowRows)}`,
      );
      if (process.env.CI) throw new Error("the recentring check needs a table larger than one window");
      await page.close();
      return;
    }
    const baseBefore = Number(await page.getAttribute(".grid", "data-window-base"));
    // Park the viewport just before the recentring margin, then let the wheel carry it across.
    await page.evaluate((rows) => {
      const scroller = document.querySelector(".grid-scroller") as HTMLElement;
      scroller.scrollTop = (rows - 20_000 - 40) * 36;
    }, windowRows);
    await page.waitForTimeout(300);
    await page.evaluate(() => {
      const w = window as unknown as {
        __frameProblems: string[];
        __ids: Map<number, string>;
        __stop: boolean;
      };
      w.__frameProblems = [];
      w.__ids = new Map();
      const scroller = document.querySelector(".grid-scroller") as HTMLElement;
      const frame = () => {
        const box = scroller.getBoundingClientRect();
        let previous: number | null = null;
        for (let y = box.top + 40; y < box.bottom - 2; y += 12) {
          const row = document
            .elementFromPoint(box.left + 100, y)
            ?.closest("tr.grid-row") as HTMLElement | null;
          if (!row) {
            w.__frameProblems.push(`blank at y=${Math.round(y - box.top)}`);
            continue;
          }
          const index = Number(row.dataset.row);
          if (previous !== null && index !== previous && index !== previous + 1)
            w.__frameProblems.push(`row ${index} below row ${previous}`);
          previous = index;
          const id = row.dataset.taskId;
          if (id) {
            const seen = w.__ids.get(index);
            if (seen && seen !== id) w.__frameProblems.push(`row ${index} showed task ${seen}, then ${id}`);
            w.__ids.set(index, id);
          }
        }
        if (!w.__stop) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    await page.mouse.move(400, 400);
    for (let i = 0; i < 40; i++) {
      await page.mouse.wheel(0, 150);
      await page.waitForTimeout(16);
    }
    await page.waitForTimeout(400);
    const problems = await page.evaluate(() => {
      const w = window as unknown as { __frameProblems: string[]; __stop: boolean };
      w.__stop = true;
      return w.__frameProblems;
    });
    expect(Number(await page.getAttribute(".grid", "data-window-base"))).toBeGreaterThan(baseBefore);
    expect(problems.filter((problem) => !problem.startsWith("blank")).slice(0, 5)).toEqual([]);
    budgets["blank sample points while crossing a window edge"] = String(problems.length);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when a shared link names a deep row, then the grid opens there", async () => {
    const row = Math.max(0, Math.floor(total / 2) - 1);
    const { page } = await open(`/?row=${row}`);
    await page.waitForSelector(`tr[data-row="${row}"][data-task-id]`, { timeout: 15_000 });
    // The row is the top one unless it is among the last screenful.
    const [first, last] = ((await positionLabel(page)).match(/[\d,]+/g) ?? []).map((n) =>
      Number(n.replaceAll(",", "")),
    );
    expect(first).toBeLessThanOrEqual(row + 1);
    expect(last).toBeGreaterThanOrEqual(row + 1);
    if (total - row > 40) expect(first).toBe(row + 1);
    const expected = (await listTasks(api, `limit=1&offset=${row}`)).items[0];
    expect(await page.getAttribute(`tr[data-row="${row}"]`, "data-task-id")).toBe(expected?.id);
    await page.close();
  });

  it("when using the keyboard, then arrows, Page Down and End move the focused row and Enter opens it", async () => {
    const { page } = await open();
    await page.waitForSelector(LOADED_ROW);
    await page.focus(".grid-table");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    expect(await page.getAttribute(".grid-table", "aria-activedescendant")).toBe("task-row-2");
    await page.keyboard.press("PageDown");
    const afterPage = Number(
      (await page.getAttribute(".grid-table", "aria-activedescendant"))?.replace("task-row-", ""),
    );
    expect(afterPage).toBeGreaterThan(10);
    await page.keyboard.press("End");
    expect(await page.getAttribute(".grid-table", "aria-activedescendant")).toBe(`task-row-${total - 1}`);
    await page.waitForSelector(`tr#task-row-${total - 1}[data-task-id]`, { timeout: 15_000 });
    await page.keyboard.press("Home");
    await page.waitForSelector("tr#task-row-0[data-task-id]");
    await page.keyboard.press("Enter");
    const firstId = await page.getAttribute("tr#task-row-0", "data-task-id");
    await page.waitForSelector(`[role="dialog"] h2:has-text("Task #${firstId}")`);
    await screenshot(page, "drawer-keyboard");
    await page.keyboard.press("Escape");
    await page.waitForSelector('[role="dialog"]', { state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.classList.contains("grid-table"))).toBe(true);
    await page.close();
  });

  it("when the screen is 375 px wide, then nothing overflows sideways and the rows still show", async () => {
    const { page, errors } = await open("/", { width: 375, height: 740 });
    await page.waitForSelector(LOADED_ROW);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await page.locator("th.col-assignee").isVisible()).toBe(false);
    expect(await page.locator("th.col-title").isVisible()).toBe(true);
    await screenshot(page, "grid-phone");
    await page.getByRole("button", { name: /^Filters/ }).click();
    await page.getByRole("button", { name: "Done" }).waitFor();
    await screenshot(page, "grid-phone-filters");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when the API cannot be reached, then the page says so and Retry recovers", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const apiOrigin = new URL(api).origin;
    await page.route(`${apiOrigin}/**`, (route) => route.abort("connectionrefused"));
    await page.goto(site.url);
    const alert = page.getByRole("alert").filter({ hasText: "cannot be reached" });
    await alert.waitFor();
    if (site.dist) expect(await alert.textContent()).toContain(api);
    await screenshot(page, "api-unreachable");
    await page.unroute(`${apiOrigin}/**`);
    await alert.getByRole("button", { name: "Retry" }).click();
    await page.waitForSelector(LOADED_ROW);
    expect(await page.getByRole("alert").count()).toBe(0);
    await page.close();
  });
});
