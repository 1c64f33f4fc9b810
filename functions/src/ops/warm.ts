// Warm caching from the access patterns: after Redis was flushed or restarted, the task entries and
// list pages read most in the last hour are loaded again in the background, so a steady read mix
// finds its hit ratio back within seconds instead of refilling one miss at a time. Never inside a
// request: a process whose flush finds a new {mt:ops:D}:alive token (Redis lost its data) starts this on a timer.
import { ListTasksQuery } from "#contract/schemas";
import { config } from "../platform/config";
import { log } from "../platform/logger";
import { listTaskPage, warmTasks } from "../tasks/service";

const TASK_BATCH = 500;

export interface HotItems {
  tasks: string[];
  pages: string[];
}

export interface WarmResult {
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
  }
  let pages = 0;
  for (const text of hot.pages.slice(0, config.OPS_WARM_PAGES)) {
    const parsed = ListTasksQuery.safeParse(Object.fromEntries(new URLSearchParams(text)));
    if (!parsed.success) continue;
    try {
      await listTaskPage(parsed.data);
      await listTaskPage(parsed.data);
      pages += 1;
    } catch {
      // A page that cannot be read now (a cursor of a replaced table) is simply not warmed.
    }
  }
  const result = { tasks, pages, ms: Math.round(performance.now() - started) };
  log("info", "cache warmed", result);
  return result;
}
