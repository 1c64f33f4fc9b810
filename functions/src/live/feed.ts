// Live updates (issue 7). A write, once committed to PostgreSQL, appends one event to a Redis stream
// in one atomic script that also numbers it (seq) and counts it; then it wakes the fan-out. The
// fan-out is one drain at a time (a Redis lock): it reads the events after its cursor and posts them
// in order, batched, to every connection with @aws-sdk/client-apigatewaymanagementapi, removing the
// connections that answer 410. One drainer means every client sees events in seq order, and the
// publish script drops an event already superseded for its task, so per-task order is versions'.
//
// Clients number-check what they get: a gap in seq means something was missed, and they ask for it
// (hello/resync on the socket, answered from the stream) or reload when the stream no longer has it.

import { TASK_STATUSES } from "#contract/constants";
import { COUNTER_KINDS, type Counters, type JobProgress, type StatusCounts } from "#contract/live";
import { config } from "../platform/config";
import { invokeFunction } from "../platform/lambda-invoke";
import { log } from "../platform/logger";
import { activityCounts } from "../tasks/repository";
import type { TaskRecord } from "../tasks/task-record";
import * as store from "./store";

/** Dummy credentials when talking to serverless-offline: it checks none, the SDK signs anyway. */
export const OFFLINE_CREDENTIALS = { accessKeyId: "offline", secretAccessKey: "offline" };

// ---------------------------------------------------------------------------------------------
// Counters

/**
 * Field by field the larger of Redis's count (every published write, atomic) and the highest value
 * seen in PostgreSQL (every committed write, transactional). Both only count committed writes, so
 * neither exceeds the truth; the larger is the closer, and after a quiet moment both are exact. A
 * write whose Redis step was lost (crash, Redis away) is caught up by the PostgreSQL side.
 */
function combine(fields: { redis: Record<string, number>; pg: Record<string, number> }): Counters {
  const value = (field: string) => Math.max(fields.redis[field] ?? 0, fields.pg[field] ?? 0);
  const byStatus = (kind: string) =>
    Object.fromEntries(TASK_STATUSES.map((status) => [status, value(`${kind}:${status}`)])) as StatusCounts;
  return {
    created: value("created"),
    updated: value("updated"),
    deleted: value("deleted"),
    byStatus: { created: byStatus("created"), updated: byStatus("updated"), deleted: byStatus("deleted") },
  };
}

/** Reads PostgreSQL's activity table into the Redis snapshot (monotonic merge). */
export async function reconcileCounters(): Promise<void> {
  const rows = await activityCounts();
  const fields: Record<string, number> = {};
  for (const row of rows) {
    fields[row.kind] = (fields[row.kind] ?? 0) + row.n;
    fields[`${row.kind}:${row.status}`] = row.n;
  }
  for (const kind of COUNTER_KINDS) fields[kind] ??= 0;
  await store.mergePgCounters(fields);
}

export async function readCounters(options: { reconcile?: boolean } = {}): Promise<Counters> {
  if (options.reconcile) await reconcileCounters();
  return combine(await store.readCounterFields());
}

// ---------------------------------------------------------------------------------------------
// Publishing (the write path)

/**
 * Wakes the fan-out. `invoke`: an asynchronous invoke of the broadcast function, answered once
 * queued. `inline` (measurement only): the same function invoked synchronously, so the write waits
 * for the whole fan-out, without bundling the fan-out code into every writing function.
 */
async function wakeFanOut(): Promise<void> {
  await invokeFunction(
    config.BROADCAST_FUNCTION_NAME,
    "{}",
    config.LIVE_FANOUT === "inline" ? "RequestResponse" : "Event",
  );
}

/**
 * Publishes one event after its write committed. Never throws: the write already happened, and a
 * lost event is caught up (counters from PostgreSQL, clients by the seq gap or their next resync).
 */
async function publish(input: store.PublishInput): Promise<void> {
  if (!store.liveEnabled() || config.LIVE_FANOUT === "off") return;
  try {
    const { seq, live } = await store.appendEvent(input);
    if (seq > 0 && live > 0) await wakeFanOut();
  } catch (error) {
    log("warn", "live publish failed", { type: input.type, id: input.id, error: String(error) });
  }
}

export function publishTaskWrite(type: "task.created" | "task.updated", task: TaskRecord) {
  return publish({
    type,
    id: task.id,
    version: task.version,
    status: task.status,
    json: `{"type":"${type}","id":"${task.id}","version":${task.version},"task":${task.json}}`,
  });
}

export function publishTaskDeleted(id: string) {
  return publish({ type: "task.deleted", id, json: `{"type":"task.deleted","id":"${id}"}` });
}

export function publishSeeded(detail: { rows?: number; mode?: string }) {
  return publish({
    type: "tasks.seeded",
    replaced: detail.mode !== "append",
    json: JSON.stringify({ type: "tasks.seeded", ...detail }),
  });
}

/** A bulk job's writes as one event ("12,000 tasks updated"): clients reload what they show. */
export function publishBulk(detail: {
  jobId: string;
  action: "update" | "delete" | "import";
  count: number;
}) {
  return publish({ type: "tasks.bulk", json: JSON.stringify({ type: "tasks.bulk", ...detail }) });
}

/** A job's progress (once per chunk and at its end). */
export function publishJobProgress(job: JobProgress) {
  return publish({ type: "job.progress", json: JSON.stringify({ type: "job.progress", job }) });
}

/** Where postToConnection reaches a connection: configured locally, from the request on AWS. */
export function managementEndpoint(requestContext: { domainName?: string; stage?: string }): string {
  if (config.WS_MANAGEMENT_ENDPOINT) return config.WS_MANAGEMENT_ENDPOINT;
  return `https://${requestContext.domainName}/${requestContext.stage}`;
}

/** API Gateway's frame limit is 32 KB (messages 128 KB); a message stays well inside the latter. */
export const MAX_BATCH_BYTES = 96 * 1_024;

export const eventText = (event: store.StoredEvent) => `{"seq":${event.seq},${event.json.slice(1)}`;

// ---------------------------------------------------------------------------------------------
// Client messages ($default)

/** Events a client is missing are replayed up to this many; beyond it, it reloads what it shows. */
const MAX_REPLAY = 500;

export async function syncReply(since: number | undefined): Promise<string> {
  const counters = await readCounters({ reconcile: true });
  if (since === undefined) {
    const head = await store.headSeq();
    return JSON.stringify({ type: "sync", head, complete: true, events: [], counters });
  }
  const { events, head, complete } = await store.readEvents(since, MAX_REPLAY);
  let body = events.map(eventText);
  let whole = complete && since <= head;
  // A reply is one WebSocket message: beyond the batch limit the client reloads instead.
  if (body.reduce((sum, text) => sum + text.length, 0) > MAX_BATCH_BYTES) {
    body = [];
    whole = false;
  }
  return `{"type":"sync","head":${head},"complete":${whole},"events":[${body.join(",")}],"counters":${JSON.stringify(counters)}}`;
}
