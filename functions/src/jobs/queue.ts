// The job queue: graphile-worker over the same PostgreSQL (its schema `graphile_worker`, created by
// its own migrations, run once per process before the first enqueue or drain). A job is enqueued
// in the transaction that records it (`graphile_worker.add_job` in SQL, repository.ts); the worker
// function drains the queue with `runOnce` (every job that is due, one at a time, then returns):
// woken by an asynchronous invoke on enqueue and scheduled every minute as the backstop, the same
// code on Lambda and under serverless-offline.
import { Logger as GraphileLogger, type Logger, runMigrations, runOnce, type Task } from "graphile-worker";
import { config } from "../platform/config";
import { getPool } from "../platform/db";
import { invokeFunction } from "../platform/lambda-invoke";
import { log } from "../platform/logger";

/** The one task identifier: its payload names a row of `jobs`, which says what to do. */
export const RUN_JOB = "run-job";

/** SQL enqueueing the job whose id `idExpression` yields (job_key = the id: one queue entry per job). */
export function enqueueSql(idExpression: string): string {
  return `select graphile_worker.add_job('${RUN_JOB}', json_build_object('jobId', ${idExpression}),
    job_key => (${idExpression})::text, max_attempts => ${config.JOB_MAX_ATTEMPTS})`;
}

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
  await runOnce({ pgPool: getPool(), logger, noHandleSignals: true, taskList: { [RUN_JOB]: runJob } });
}

/** Wakes the worker function now instead of at its next scheduled run. Never throws. */
export async function wakeWorker(): Promise<void> {
  // Nowhere to send it: neither a local Invoke API nor Lambda (integration tests drain directly).
  if (config.JOB_WAKE === "off" || (!config.LAMBDA_ENDPOINT && !config.AWS_LAMBDA_FUNCTION_NAME)) return;
  try {
    await invokeFunction(config.JOB_WORKER_FUNCTION_NAME, "{}", "Event");
  } catch (error) {
    log("warn", "job worker wake-up failed", { error: String(error) });
  }
}
