// Warm caching from the access patterns: after Redis was flushed or restarted, the task entries and
// list pages read most in the last hour are loaded again in the background, so a steady read mix
// finds its hit ratio back within seconds instead of refilling one miss at a time. Never inside a
// request: a process whose flush finds a new {mt:ops:D}:alive token (Redis lost its data) starts this on a timer.
import { ListTasksQuery } from "#contract/schemas";
import { config } from "../platform/config";
import { log } from "../platform/logger";
import { listTaskPage, warmTasks } from "../tasks/service";

const TASK_BATCH = 500;
/**
 * A pause between steps: the warm-up runs while the cache is cold and every reader goes to
 * PostgreSQL, so it leaves them room (5,000 tasks and 100 pages take ~1 s longer, far inside 10 s).
 */
const PAUSE_MS = 5;
const pause = () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));

export interface HotItems {
  tasks: string[];
  pages: string[];
}

export interface WarmResult {
  /** Tasks loaded (those the reads had not refilled already). */
  tasks: number;
  pages: number;
  ms: number;
}

/** Loads the hot tasks in batches, then each hot page (twice: a page is stored on its second ask). */
export async function warmCache(hot: HotItems): Promise<WarmResult> {
  const started = performance.now();
  let tasks = 0;
  const ids = hot.tasks.slice(0, config.OPS_WARM_TASKS);
  for (let i = 0; i < ids.length; i += TASK_BATCH) {
    tasks += await warmTasks(ids.slice(i, i + TASK_BATCH));
    await pause();
  }
  let pages = 0;
  for (const text of hot.pages.slice(0, config.OPS_WARM_PAGES)) {
    const parsed = ListTasksQuery.safeParse(Object.fromEntries(new URLSearchParams(text)));
    if (!parsed.success) continue;
    try {
      await listTaskPage(parsed.data);
      await listTaskPage(parsed.data);
      pages += 1;
      await pause();
    } catch {
      // A page that cannot be read now (a cursor of a replaced table) is simply not warmed.
    }
  }
  const result = { tasks, pages, ms: Math.round(performance.now() - started) };
  log("info", "cache warmed", result);
  return result;
}
