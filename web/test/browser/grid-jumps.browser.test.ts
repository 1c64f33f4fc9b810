// Jumps the way a person makes them: several in a row (Go to row, scrollbar track clicks, thumb
// drags), End on a search whose count is an estimate. Each must end with every visible row loaded
// and few list requests. Times are printed, not asserted.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTasks } from "./support/api-client";
import { screenshot } from "./support/browser";
import { countListRequests, LOADED_ROW, positionRange, waitForVisibleRows } from "./support/grid";
import { setUpGridSession } from "./support/session";
import { apiUrl } from "./support/site";

const api = apiUrl();
const { open } = setUpGridSession(api);
const figures: Record<string, string> = {};
let total = 0;
/** A search term in ~3% of the seeded titles whose count the API can only estimate. */
const ESTIMATED_TERM = "release";

beforeAll(async () => {
  total = (await listTasks(api, "limit=1")).total.value;
});

afterAll(() => {
  if (Object.keys(figures).length) {
    console.log(`\nJumps over ${total.toLocaleString("en-US")} tasks (measured, not asserted on time):`);
    console.table(figures);
  }
});

async function goToRow(page: Page, row: number): Promise<number> {
  const input = page.getByLabel("Go to row");
  await input.fill(String(row));
  const started = Date.now();
  await input.press("Enter");
  await page.waitForSelector(`tr[data-row="${row - 1}"][data-task-id]`, { timeout: 10_000 });
  await waitForVisibleRows(page);
  return Date.now() - started;
}

async function clickTrack(page: Page, fraction: number): Promise<number> {
  const box = await page.getByTestId("row-scrollbar").boundingBox();
  if (!box) throw new Error("no scrollbar");
  const started = Date.now();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height * fraction);
  await page.waitForFunction(
    ([want, rows]) => {
      const label = document.querySelector('[data-testid="position-label"]')?.textContent ?? "";
      const first = Number(label.match(/rows ([\d,]+)/)?.[1]?.replaceAll(",", ""));
      return Math.abs(first / rows - want) < 0.05;
    },
    [fraction, total] as const,
  );
  await waitForVisibleRows(page);
  return Date.now() - started;
}

/** Drags the thumb from where it is to `fraction` of the track in ~0.5 s, then lets go. */
async function dragThumbTo(page: Page, fraction: number): Promise<{ ms: number; requests: number }> {
  const bar = await page.getByTestId("row-scrollbar").boundingBox();
  const thumb = await page.locator(".scrollbar-thumb").boundingBox();
  if (!bar || !thumb) throw new Error("no scrollbar");
  const x = bar.x + bar.width / 2;
  const fromY = thumb.y + thumb.height / 2;
  const toY = bar.y + (bar.height - thumb.height) * fraction + thumb.height / 2;
  const requests = countListRequests(page, api);
  await page.mouse.move(x, fromY);
  await page.mouse.down();
  for (let step = 1; step <= 30; step++) {
    await page.mouse.move(x, fromY + ((toY - fromY) * step) / 30);
    await page.waitForTimeout(16);
  }
  const started = Date.now();
  await page.mouse.up();
  await waitForVisibleRows(page);
  const ms = Date.now() - started;
  await page.waitForTimeout(200);
  return { ms, requests: requests.stop() };
}

describe("jumping around the whole table", () => {
  it("when Go to row is used several times in a row, then every target row loads", async () => {
    const { page, errors } = await open("/");
    await page.waitForSelector(LOADED_ROW);
    const times: number[] = [];
    for (const fraction of [0.5, 0.3, 0.7, 0.3, 0.9]) {
      const row = Math.max(1, Math.floor(total * fraction));
      times.push(await goToRow(page, row));
      const expected = (await listTasks(api, `limit=1&offset=${row - 1}`)).items[0];
      expect(await page.getAttribute(`tr[data-row="${row - 1}"]`, "data-task-id")).toBe(expected?.id);
    }
    figures["Go to row x5: rows visible after Enter"] = `${times.join(", ")} ms (target 500 ms)`;
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when the scrollbar track is clicked several times, then each place loads its rows", async () => {
    const { page, errors } = await open("/");
    await page.waitForSelector(LOADED_ROW);
    const times: number[] = [];
    for (const fraction of [0.5, 0.25, 0.75, 0.5]) times.push(await clickTrack(page, fraction));
    figures["track clicks x4: rows visible after the click"] = `${times.join(", ")} ms (target 500 ms)`;
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when the thumb is dragged several times, then each drag loads where it settles with a handful of requests", async () => {
    const { page, errors } = await open("/");
    await page.waitForSelector(LOADED_ROW);
    const times: number[] = [];
    const requests: number[] = [];
    for (const fraction of [0.5, 0.2, 0.6, 0.45, 0.8]) {
      const drag = await dragThumbTo(page, fraction);
      times.push(drag.ms);
      requests.push(drag.requests);
      const [first] = await positionRange(page);
      expect(Math.abs(first / total - fraction)).toBeLessThan(0.05);
    }
    figures["thumb drags x5: rows visible after release"] = `${times.join(", ")} ms (target 500 ms)`;
    figures["thumb drags x5: list requests per 0.5 s drag"] = requests.join(", ");
    for (const count of requests) expect(count).toBeLessThanOrEqual(5);
    await screenshot(page, "grid-after-drags");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when End is pressed on a search whose count is an estimate, then its last rows come in one request", async () => {
    const { page, errors } = await open(`/?q=${ESTIMATED_TERM}`);
    await page.waitForSelector(LOADED_ROW);
    const summary = (await page.locator(".summary").textContent()) ?? "";
    const first = await listTasks(api, `limit=1&q=${ESTIMATED_TERM}`);
    expect(first.total.exact).toBe(false);
    expect(summary).toMatch(/^About /);
    // The last rows of the view are the first rows of the reversed order.
    const last = (await listTasks(api, `limit=5&q=${ESTIMATED_TERM}&sort=createdAt`)).items;
    const requests = countListRequests(page, api);
    await page.focus(".grid-table");
    const started = Date.now();
    await page.keyboard.press("End");
    await page.waitForFunction(
      (id) => {
        const rows = [...document.querySelectorAll("tr.grid-row[data-task-id]")] as HTMLElement[];
        const scroller = document.querySelector(".grid-scroller")?.getBoundingClientRect();
        const bottom = rows.at(-1);
        if (!bottom || !scroller) return false;
        return bottom.dataset.taskId === id && bottom.getBoundingClientRect().bottom <= scroller.bottom + 1;
      },
      last[0]?.id,
      { timeout: 10_000 },
    );
    await waitForVisibleRows(page);
    const ms = Date.now() - started;
    await page.waitForTimeout(300);
    const sent = requests.stop();
    figures[`End on "${ESTIMATED_TERM}" (${summary}): last rows visible`] =
      `${ms} ms, ${sent} list request(s)`;
    expect(sent).toBeLessThanOrEqual(2);
    const bottomTitles = await page.$$eval("tr.grid-row[data-task-id]", (rows) =>
      rows.map((row) => (row as HTMLElement).dataset.taskId),
    );
    expect(bottomTitles.slice(-3)).toEqual(
      last
        .slice(0, 3)
        .map((task) => task.id)
        .reverse(),
    );
    expect(await page.getAttribute(".grid-table", "aria-activedescendant")).toMatch(/^task-row-\d+$/);
    await screenshot(page, "grid-search-end");

    // Home goes back to the first rows, again in one request.
    const back = countListRequests(page, api);
    await page.keyboard.press("Home");
    await page.waitForSelector(`tr[data-row="0"][data-task-id="${first.items[0]?.id}"]`);
    await waitForVisibleRows(page);
    expect(back.stop()).toBeLessThanOrEqual(2);
    expect(errors).toEqual([]);
    await page.close();
  });
});
