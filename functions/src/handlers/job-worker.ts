import type { Context } from "aws-lambda";
import { drainQueue } from "../jobs/queue";
import { purgeOldJobs, runJob, setDeadline } from "../jobs/run-job";
import { assertControlCaller, isScheduledEvent } from "../platform/control-plane";
import { invocationHandler } from "../platform/invocation";
import { errorText, log } from "../platform/logger";

/** Time left for handing over to the next invocation before Lambda's own timeout. */
const HANDOVER_MS = 60_000;

/**
 * Drains the job queue (bulk edits, exports, imports): every due job, one at a time, then returns.
 * Woken by an asynchronous invoke when a job is enqueued and scheduled every minute as the
 * backstop (a wake-up lost, a retry coming due), which also removes jobs (and export files) that
 * finished over a day ago. No route: IAM on AWS, the control secret locally.
 */
export const handler = invocationHandler(async (event: unknown = {}, context?: Context) => {
  if (!isScheduledEvent(event)) assertControlCaller(context);
  const remaining = context?.getRemainingTimeInMillis?.();
  setDeadline(remaining === undefined ? Number.POSITIVE_INFINITY : Date.now() + remaining - HANDOVER_MS);
  try {
    await drainQueue(runJob);
    const purged = isScheduledEvent(event) ? await purgeOldJobs() : 0;
    return { drained: true, purged };
  } catch (error) {
    // An asynchronous invocation that throws would take serverless-offline down, and on AWS only be
    // retried into the same failure; the next wake-up or scheduled run drains what is left.
    log("error", "job worker failed", { error: errorText(error) });
    return { drained: false };
  }
});
