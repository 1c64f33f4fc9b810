import type { Context } from "aws-lambda";
import * as z from "zod";
import { ensureAuditPartitions } from "../audit/repository";
import { bulkJobRunning } from "../jobs/repository";
import { assertControlCaller, isScheduledEvent } from "../platform/control-plane";
import { invocationHandler } from "../platform/invocation";
import { rebuildTaskIndex } from "../tasks/service";
import {
  pendingRankChanges,
  purgeExpired,
  purgeIdempotencyKeys,
  rebuildFences,
  vacuumIfNeeded,
} from "../tasks/upkeep";

/** Changes logged since the last resample before positions are worth resampling. */
const RESAMPLE_AFTER = 5_000;

/** A scheduled event carries EventBridge's fields; only `force` and `reindex` mean anything here. */
const MaintainInput = z.looseObject({ force: z.boolean().optional(), reindex: z.boolean().optional() });

/**
 * Scheduled housekeeping (every minute): purges expired tasks and Idempotency-Keys past their TTL, resamples position fences and
 * vacuums the task tables when enough writes have accumulated, and builds the cache's position
 * index when it is missing (the one place that build runs besides a background kick; never inside
 * a user request). Input
 * `{ force: true }` resamples unconditionally, `{ reindex: true }` rebuilds the index. Input that is
 * not an object of that shape throws, so the Invoke API reports a function error, not a result.
 */
export const handler = invocationHandler(async (event: unknown = {}, context?: Context) => {
  // The schedule fires inside serverless-offline, never through the Invoke port; anything else
  // (npm run bench, an operator) must carry the control secret.
  if (!isScheduledEvent(event)) assertControlCaller(context);
  const { force, reindex } = MaintainInput.parse(event ?? {});
  const purged = await purgeExpired();
  const idempotencyKeysPurged = await purgeIdempotencyKeys();
  const pending = await pendingRankChanges();
  // A scheduled run leaves the resample (six full-table window scans) and the vacuum to the next
  // minute while a bulk job writes: both competed with the job for the cores and held snapshots
  // that kept its dead index entries from being marked for other readers (their p99 during a job
  // went from ~50 ms to 238 ms when the minute's run overlapped it), and the job vacuums when it
  // ends. An operator's explicit run does them anyway.
  const deferred = isScheduledEvent(event) && force !== true && (await bulkJobRunning());
  const resampled = !deferred && (force === true || pending >= RESAMPLE_AFTER) ? await rebuildFences() : null;
  const vacuum = deferred ? { deferred: true as const } : await vacuumIfNeeded();
  const index = await rebuildTaskIndex({ force: reindex === true });
  const auditPartitions = await ensureAuditPartitions();
  return { purged, idempotencyKeysPurged, pending, resampled, vacuum, index, auditPartitions };
});
