// The fan-out of live events (the broadcast function; see feed.ts for the whole design). Kept apart
// from feed.ts so that the write path's bundles do not carry the API Gateway management client.
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { config } from "../platform/config";
import { log } from "../platform/logger";
import { eventText, MAX_BATCH_BYTES, OFFLINE_CREDENTIALS, readCounters, reconcileCounters } from "./feed";
import * as store from "./store";

const managementClients = new Map<string, ApiGatewayManagementApiClient>();

function managementClient(endpoint: string): ApiGatewayManagementApiClient {
  let found = managementClients.get(endpoint);
  if (!found) {
    found = new ApiGatewayManagementApiClient({
      endpoint,
      ...(config.WS_MANAGEMENT_ENDPOINT ? { credentials: OFFLINE_CREDENTIALS } : {}),
      // A failed post is not retried: the client notices the seq gap and asks for what it missed.
      maxAttempts: 1,
      // A hung endpoint must not hold the fan-out (and every client behind it) for long.
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
    });
    managementClients.set(endpoint, found);
  }
  return found;
}

export type PostResult = "ok" | "gone" | "failed";

export async function postTo(connection: store.Connection, data: string): Promise<PostResult> {
  try {
    await managementClient(connection.endpoint).send(
      new PostToConnectionCommand({ ConnectionId: connection.id, Data: Buffer.from(data) }),
    );
    return "ok";
  } catch (error) {
    // serverless-offline answers 410 without the error name AWS sends; the SDK then calls it "Unknown".
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return error instanceof GoneException || status === 410 ? "gone" : "failed";
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const MAX_BATCH_EVENTS = 200;
const LOCK_MS = 30_000;
/** Consecutive failed posts (not 410s: refused, timed out, 5xx) before a connection is dropped. */
const MAX_FAILURES = 3;
const POST_RETRIES = 2;
const MAX_ERRORS = 5;
const failing = new Map<string, number>();

export interface DrainReport {
  drained: boolean;
  events: number;
  messages: number;
  posts: number;
  gone: number;
  failed: number;
  errors: number;
  ms: number;
}

/**
 * Delivers every event after the cursor to every connection, in seq order, then returns. Whoever
 * holds the lock drains; a caller that finds it held leaves, because the holder re-reads the head
 * after releasing and drains again when an event arrived meanwhile (no wake-up is lost).
 */
export async function drain(): Promise<DrainReport> {
  const started = performance.now();
  const report: DrainReport = {
    drained: false,
    events: 0,
    messages: 0,
    posts: 0,
    gone: 0,
    failed: 0,
    errors: 0,
    ms: 0,
  };
  const token = store.newToken();
  for (;;) {
    if (!(await store.acquireDrain(token, LOCK_MS))) break;
    report.drained = true;
    try {
      let cursor = (await store.drainCursor()) ?? Math.max(0, (await store.headSeq()) - 1_000);
      for (;;) {
        const { events } = await store.readEvents(cursor, MAX_BATCH_EVENTS);
        if (events.length === 0) break;
        // Every write of these events committed before it was appended, so PostgreSQL read now
        // counts all of them: the batch's counters are exact whatever publishes were lost before.
        await reconcileCounters().catch((error) =>
          log("warn", "counter reconcile failed", { error: String(error) }),
        );
        const [connections, counters] = await Promise.all([store.listConnections(), readCounters()]);
        let batch: string[] = [];
        let bytes = 0;
        const messages: string[] = [];
        const flush = () => {
          if (batch.length === 0) return;
          messages.push(
            `{"type":"events","events":[${batch.join(",")}],"counters":${JSON.stringify(counters)}}`,
          );
          batch = [];
          bytes = 0;
        };
        for (const event of events) {
          const text = eventText(event);
          if (bytes + text.length > MAX_BATCH_BYTES) flush();
          batch.push(text);
          bytes += text.length;
        }
        flush();
        const gone: string[] = [];
        await forEachLimited(connections, config.LIVE_FANOUT_CONCURRENCY, async (connection) => {
          // One connection's messages go one after another: that is what keeps its order.
          for (const message of messages) {
            let result = await postTo(connection, message);
            // A post that timed out on a busy endpoint is retried before it counts as a failure:
            // the batch is this connection's only copy unless a later event reveals the gap.
            for (let retry = 1; result === "failed" && retry <= POST_RETRIES; retry += 1) {
              await new Promise((resolve) => setTimeout(resolve, 100 * retry));
              result = await postTo(connection, message);
            }
            report.posts += 1;
            if (result === "gone") {
              gone.push(connection.id);
              report.gone += 1;
              return;
            }
            if (result === "failed") {
              report.failed += 1;
              // An endpoint that keeps failing (locally: a serverless-offline that was restarted, so
              // its connections never saw $disconnect) would otherwise cost every fan-out until expiry.
              const failures = (failing.get(connection.id) ?? 0) + 1;
              failing.set(connection.id, failures);
              if (failures >= MAX_FAILURES) {
                failing.delete(connection.id);
                gone.push(connection.id);
                return;
              }
            } else failing.delete(connection.id);
          }
        });
        await store.removeConnections(gone);
        cursor = events.at(-1)?.seq ?? cursor;
        report.events += events.length;
        report.messages += messages.length;
        if (!(await store.advanceDrain(token, cursor, LOCK_MS))) {
          log("warn", "fan-out lost its lock", { cursor });
          break;
        }
      }
    } catch (error) {
      // Nobody else will drain until the next write wakes a fan-out: retry here rather than leave
      // events undelivered (a Redis timeout under load is the usual cause).
      report.errors += 1;
      log("warn", "fan-out step failed", { error: String(error), errors: report.errors });
      if (report.errors >= MAX_ERRORS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * report.errors));
    } finally {
      await store.releaseDrain(token).catch(() => {});
    }
    const [head, cursor] = await Promise.all([store.headSeq(), store.drainCursor()]);
    if ((cursor ?? 0) >= head) break;
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}
