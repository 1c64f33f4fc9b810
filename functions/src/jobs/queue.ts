// The job queue: graphile-worker over the same PostgreSQL (its schema `graphile_worker`, created by
// its own migrations: `npm run db:migrate`, and once per worker process before draining). A job is
// enqueued in the transaction that records it (`graphile_worker.add_job` in SQL, repository.ts and
// queue-sql.ts, which keep graphile-worker's code out of the routes' bundles); the worker
// function drains the queue with `runOnce` (every job that is due, one at a time, then returns):
// woken by an asynchronous invoke on enqueue and scheduled every minute as the backstop, the same
// code on Lambda and under serverless-offline.
import { Logger as GraphileLogger, type Logger, runMigrations, runOnce, type Task } from "graphile-worker";
import { config } from "../platform/config";
import { getPool, query } from "../platform/db";
import { log } from "../platform/logger";
import { RUN_JOB } from "./queue-sql";

/** graphile-worker's warnings and errors through our log (one JSON line each). */
const logger: Logger = new GraphileLogger(() => (level, message, meta) => {
  // A job's own outcome is logged by run-job.ts; the queue's routine lines would be noise.
  if (level === "debug" || level === "info") return;
  log(level === "error" ? "error" : level === "warning" ? "warn" : "info", "job queue", {
    message,
    ...(meta && typeof meta === "object" ? { meta: String(JSON.stringify(meta)).slice(0, 500) } : {}),
  });
});

let migrated: Promise<void> | undefined;

/** The queue's schema, created or upgraded once per process (idempotent, under its own lock). */
export function ensureQueue(): Promise<void> {
  migrated ??= runMigrations({ pgPool: getPool(), logger }).catch((error: unknown) => {
    migrated = undefined;
    throw error;
  });
  return migrated;
}

/**
 * Runs every job that is due, one at a time, then returns. A job that throws is retried by the
 * queue after e^attempt seconds, up to JOB_MAX_ATTEMPTS attempts (run-job.ts decides what a
 * failure means for the job's record).
 */
export async function drainQueue(runJob: Task): Promise<void> {
  await ensureQueue();
  await releaseDeadWorkersJobs();
  await runOnce({ pgPool: getPool(), logger, noHandleSignals: true, taskList: { [RUN_JOB]: runJob } });
}

/**
 * Jobs still locked by a worker invocation that cannot be alive any more (locked longer than the
 * worker function may run: killed, out of memory, past Lambda's timeout) are unlocked, so this
 * drain runs them again at once. graphile-worker itself frees such a lock only after 4 hours, and
 * the job's owner saw it "running" all that time. A re-run is safe: a bulk job goes on from the
 * positions its chunks committed, an export or import starts over.
 */
export async function releaseDeadWorkersJobs(): Promise<string[]> {
  const result = await query<{ workers: string[] }>(
    `with dead as (
       select array_agg(distinct locked_by) as workers from graphile_worker.jobs
       where locked_by is not null and locked_at < now() - make_interval(secs => $1)
     )
     select workers, graphile_worker.force_unlock_workers(workers) from dead where workers is not null`,
    [config.JOB_STALE_LOCK_SECONDS],
  );
  const workers = result.rows[0]?.workers ?? [];
  if (workers.length > 0) log("warn", "jobs of dead worker invocations unlocked", { workers });
  return workers;
}

/** For scripts (db:migrate, npm start, the tests' setup): the queue's schema on this database. */
export async function installQueueSchema(connectionString: string): Promise<void> {
  await runMigrations({ connectionString, logger });
}
