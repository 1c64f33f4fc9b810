// Putting a job on the queue and waking the worker, without graphile-worker's code: the routes
// that enqueue stay small (graphile-worker adds ~340 KB to a bundle; only jobWorker carries it,
// queue.ts). The queue's schema is graphile-worker's, installed by `npm run db:migrate` and by the
// worker; a route that finds it missing asks the worker to install it (service.ts).
import { config } from "../platform/config";
import { invokeFunction } from "../platform/lambda-invoke";
import { log } from "../platform/logger";

/** The one task identifier: its payload names a row of `jobs`, which says what to do. */
export const RUN_JOB = "run-job";

/** SQL enqueueing the job whose id `idExpression` yields (job_key = the id: one queue entry per job). */
export function enqueueSql(idExpression: string): string {
  return `select graphile_worker.add_job('${RUN_JOB}', json_build_object('jobId', ${idExpression}),
    job_key => (${idExpression})::text, max_attempts => ${config.JOB_MAX_ATTEMPTS})`;
}

/** Whether the worker function can be reached: a local Invoke API, or Lambda itself. */
export const canWakeWorker = (): boolean =>
  config.JOB_WAKE !== "off" && Boolean(config.LAMBDA_ENDPOINT || config.AWS_LAMBDA_FUNCTION_NAME);

/** Wakes the worker function now instead of at its next scheduled run. Never throws. */
export async function wakeWorker(): Promise<void> {
  // Nowhere to send it: neither a local Invoke API nor Lambda (integration tests drain directly).
  if (!canWakeWorker()) return;
  try {
    await invokeFunction(config.JOB_WORKER_FUNCTION_NAME, "{}", "Event");
  } catch (error) {
    log("warn", "job worker wake-up failed", { error: String(error) });
  }
}

/** Asks the worker to install the queue's schema, and waits for it. */
export async function installQueue(): Promise<void> {
  await invokeFunction(config.JOB_WORKER_FUNCTION_NAME, '{"install":true}', "RequestResponse");
}
