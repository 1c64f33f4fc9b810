// Reading the grid the way a person sees it: loaded rows, the position label, the drawer.
import type { Page } from "playwright-core";

export const LOADED_ROW = "tr.grid-row[data-task-id]";

export async function positionLabel(page: Page): Promise<string> {
  return (await page.textContent('[data-testid="position-label"]')) ?? "";
}

export async function visibleTitles(page: Page): Promise<string[]> {
  return page.$$eval(`${"tr.grid-row[data-task-id]"} td.col-title .title-text`, (cells) =>
    cells.map((cell) => cell.textContent ?? ""),
  );
}

export async function waitForTitles(page: Page, expected: string[], timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const titles = [...document.querySelectorAll("tr.grid-row[data-task-id] td.col-title .title-text")].map(
        (cell) => cell.textContent,
      );
      return JSON.stringify(titles) === JSON.stringify(want);
    },
    expected,
    { timeout },
  );
}

/** Drags the whole-list scrollbar's thumb from the top to the bottom of its track. */
export async function dragScrollbarToEnd(page: Page, steps = 30): Promise<void> {
  const bar = page.getByTestId("row-scrollbar");
  const box = await bar.boundingBox();
  if (!box) throw new Error("no scrollbar");
  const x = box.x + box.width / 2;
  await page.mouse.move(x, box.y + 4);
  await page.mouse.down();
  for (let step = 1; step <= steps; step++) {
    await page.mouse.move(x, box.y + (box.height * step) / steps + 10);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
}

/** Starts recording long tasks and the largest number of row elements seen in any frame. */
export async function startFrameProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const probe = { longTasks: [] as number[], maxRows: 0, running: true };
    (window as unknown as { __probe: typeof probe }).__probe = probe;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) probe.longTasks.push(Math.round(entry.duration));
    }).observe({ type: "longtask" });
    const frame = () => {
      probe.maxRows = Math.max(probe.maxRows, document.querySelectorAll("tr.grid-row").length);
      if (probe.running) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}

export async function stopFrameProbe(page: Page): Promise<{ longTasks: number[]; maxRows: number }> {
  return page.evaluate(() => {
    const probe = (
      window as unknown as { __probe: { longTasks: number[]; maxRows: number; running: boolean } }
    ).__probe;
    probe.running = false;
    return { longTasks: probe.longTasks, maxRows: probe.maxRows };
  });
}

/** The 0-based [first, last] rows the position label says are visible. */
export async function positionRange(page: Page): Promise<[number, number]> {
  const [first, last] = ((await positionLabel(page)).match(/[\d,]+/g) ?? []).map((n) =>
    Number(n.replaceAll(",", "")),
  );
  return [(first ?? 1) - 1, (last ?? 0) - 1];
}

/** Waits until every row the position label names is on screen with its task (no skeletons). */
export async function waitForVisibleRows(page: Page, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const label = document.querySelector('[data-testid="position-label"]')?.textContent ?? "";
      const match = label.match(/rows ([\d,]+)–([\d,]+)/);
      if (!match?.[1] || !match[2]) return false;
      const first = Number(match[1].replaceAll(",", "")) - 1;
      const last = Number(match[2].replaceAll(",", "")) - 1;
      for (let row = first; row <= last; row++)
        if (!document.querySelector(`tr[data-row="${row}"][data-task-id]`)) return false;
      return true;
    },
    undefined,
    { timeout, polling: "raf" },
  );
}

/** Counts the list requests (GET /tasks?...) the page sends from now until `stop()`. */
export function countListRequests(page: Page, api: string): { stop: () => number } {
  let count = 0;
  const prefix = `${api}/tasks?`;
  const onRequest = (request: { url: () => string; method: () => string }) => {
    if (request.method() === "GET" && request.url().startsWith(prefix)) count++;
  };
  page.on("request", onRequest);
  return {
    stop: () => {
      page.off("request", onRequest);
      return count;
    },
  };
}
