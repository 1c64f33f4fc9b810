// Demo data on first start: a new, empty embedded database gets its tasks through the seed
// function, the same path as `npm run seed`, once the stack answers. Progress goes to the terminal
// from the same source the site reads (GET /seed/status): the seed function's own records.
import type pg from "pg";
import { seedProgress } from "../../functions/src/seed/progress";
import { formatDuration } from "./progress";
import { SeedClient, StackNotRunningError } from "./seed-client";

export const DEFAULT_DEMO_TASKS = 1_000_000;

/** Parses the demo count (flag or DEMO_TASKS): a whole number, `_` or `,` allowed as separators. */
export function parseDemoCount(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return DEFAULT_DEMO_TASKS;
  const count = Number(value.replaceAll(/[_,]/g, ""));
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new Error(`The demo task count must be a whole number (0 for none), not "${value}"`);
  }
  return count;
}

/**
 * Never seeded: no tasks, and no load ever finished. A database whose tasks were all deleted by
 * hand, or that `npm run seed` filled before, is left alone.
 */
export async function needsDemoData(client: pg.Client): Promise<boolean> {
  const result = await client.query<{ empty: boolean }>(
    `select not exists (select 1 from tasks) and not exists (select 1 from seed_loads where state = 'done') as empty`,
  );
  return result.rows[0]?.empty === true;
}

export interface DemoLoadOptions {
  lambdaUrl: string;
  count: number;
  /** Reads progress (a connection to the same database). */
  client: pg.Client;
  log: (line: string) => void;
  /** How long to wait for the stack to answer the Lambda Invoke API. */
  waitMs?: number;
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function loadDemoData(options: DemoLoadOptions): Promise<{ ms: number }> {
  const { count, log } = options;
  const seeder = new SeedClient({ endpoint: options.lambdaUrl, functionName: "million-tasks-dev-seed" });
  let finished = false;
  const reporter = (async () => {
    // A line per 5% or per 10 s: the terminal is shared with the stack's own log.
    let lastShown = -1;
    let lastAt = 0;
    while (!finished) {
      await sleep(1_000);
      const progress = await seedProgress(options.client).catch(() => null);
      if (!progress || finished) continue;
      const percent = Math.max(lastShown, Math.floor(progress.fraction * 100));
      if (percent < lastShown + 5 && Date.now() - lastAt < 10_000) continue;
      lastShown = percent;
      lastAt = Date.now();
      const eta = progress.etaMs === null ? "" : `, about ${formatDuration(progress.etaMs)} left`;
      log(
        `Loading demo data: ${percent}%${eta} (${progress.phase === "load" ? "loading rows" : "building indexes"})`,
      );
    }
  })();
  const deadline = Date.now() + (options.waitMs ?? 180_000);
  try {
    log(
      `Loading ${count.toLocaleString("en-US")} demo tasks through the seed function (DEMO_TASKS=0 skips this)`,
    );
    for (;;) {
      try {
        const summary = await seeder.seed({
          count,
          truncate: true,
          seed: 1,
          progress: false,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        return { ms: summary.totalMs };
      } catch (error) {
        // serverless-offline is still starting: its Invoke API does not answer yet.
        if (!(error instanceof StackNotRunningError) || Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  } finally {
    finished = true;
    await reporter;
    seeder.destroy();
  }
}
