// Per-task entries: one MGET for a page, one pipeline to refill the misses, and the write-through
// that every create, update and delete goes through after PostgreSQL committed.
//
// An entry is "<version> <createdMicros> <expiresAtMicros|-> <status> <createdAt>\n<task JSON>": the
// header carries the record's facts, so neither this code nor a Lua script ever parses task JSON.
import { ReplyError } from "ioredis";
import { config } from "../platform/config";
import type { CacheOutcome } from "../platform/request-metrics";
import type { TaskRecord } from "../tasks/task-record";
import { cacheKeys, indexMember, type KeySpace, newToken, taskSeenBit, writeKeys } from "./keys";
import type { CacheClient, CacheCommands } from "./scripts";
import { EPOCH_MOVED, inCurrentEpoch, invalidateOrOwe, oweInvalidation, timed, usableClient } from "./state";
import { count, outcome } from "./stats";

const TOMBSTONE = "D";
const TOMBSTONE_TTL_MS = 10 * 60_000;

export function encodeEntry(task: TaskRecord): string {
  const expires = task.expiresAtMicros === null ? "-" : String(task.expiresAtMicros);
  return `${task.version} ${task.createdMicros} ${expires} ${task.status} ${task.createdAt}\n${task.json}`;
}

/** The record an entry holds, or undefined for anything else (an older format, a corrupt value). */
export function decodeEntry(id: string, entry: string): TaskRecord | undefined {
  const newline = entry.indexOf("\n");
  if (newline < 0) return undefined;
  const [version, createdMicros, expires, status, createdAt] = entry.slice(0, newline).split(" ");
  if (!version || !createdMicros || !expires || !status || !createdAt) return undefined;
  return {
    id,
    json: entry.slice(newline + 1),
    version: Number(version),
    status: status as TaskRecord["status"],
    createdAt,
    createdMicros: Number(createdMicros),
    expiresAtMicros: expires === "-" ? null : Number(expires),
  };
}

/** No TTL beyond this, whatever the settings say (they are bounded too; this is the cache's own rule). */
const MAX_TTL_MS = 24 * 3_600_000;

/**
 * TTL in ms: the configured maximum minus up to 10% jitter, never past the task's expiry. Always a
 * whole number in [0, 24 h]: 0 means "do not keep it". Issue 11, finding 2: an expiry PostgreSQL
 * rendered as year 10000 made this NaN, Redis refused the write and the cache dropped everything.
 * An expiry that is not a number is unknown, so nothing is kept rather than something kept too long.
 */
export function entryTtlMs(maxSeconds: number, expiresAtMs: number | null, now = Date.now()): number {
  const maxMs = Number.isFinite(maxSeconds) && maxSeconds > 0 ? Math.min(maxSeconds * 1_000, MAX_TTL_MS) : 0;
  const jittered = Math.floor(maxMs * (0.9 + Math.random() * 0.1));
  if (expiresAtMs === null || expiresAtMs === Number.POSITIVE_INFINITY) return jittered;
  if (Number.isNaN(expiresAtMs) || !Number.isFinite(now)) return 0;
  return Math.max(0, Math.min(jittered, Math.floor(expiresAtMs - now)));
}

/** Whether a number can travel to Redis as an argument it will parse (score, version, instant). */
const finite = (value: number): boolean => Number.isFinite(value);

const expiresAtMs = (task: TaskRecord): number | null =>
  task.expiresAtMicros === null ? null : task.expiresAtMicros / 1_000;

export type CachedTask = TaskRecord | "deleted" | undefined;

/** What one read found, and the key space it looked in (a refill may only land there). */
export interface TaskRead {
  entries: CachedTask[];
  space: KeySpace;
  /** Per slot: a miss whose task was missed before within TASK_ADMIT_WINDOW_MS (worth storing). */
  missedBefore: boolean[];
}

/**
 * Admission of task entries (issue 15): a miss stores its task only when that task was missed
 * before within this window. A random jump used to write back fifty entries that were rarely read
 * again; a task read twice is likely to be read a third time. The window's memory is one bitmap of
 * 2 MB at most, dropped as a whole when the window ends.
 */
export const TASK_ADMIT_WINDOW_MS = 10 * 60_000;

/**
 * One round trip for a set of ids: the epoch, every entry, and for each miss whether it was missed
 * before (see TASK_ADMIT_WINDOW_MS). Returns undefined when the cache is unavailable; otherwise one
 * slot per id: the task, "deleted" (tombstone) or undefined.
 */
export async function getTasks(ids: string[]): Promise<TaskRead | undefined> {
  const redis = await usableClient();
  if (!redis || ids.length === 0) return undefined;
  try {
    return await timed(() =>
      inCurrentEpoch(redis, 2, async (space) => {
        const k = cacheKeys(space);
        const values = await redis.mtTaskRead(
          ids.length + 2,
          k.epoch,
          k.taskSeen,
          ...ids.map(k.task),
          TASK_ADMIT_WINDOW_MS,
          ...ids.map(taskSeenBit),
        );
        if (values[0] !== space.epoch) return EPOCH_MOVED;
        return taskRead(space, ids, values.slice(1));
      }),
    );
  } catch {
    return undefined;
  }
}

/** A TaskRead from the values a read script answered: an entry, or 0 / 1 for a first / repeated miss. */
export function taskRead(space: KeySpace, ids: string[], values: (string | number)[]): TaskRead {
  const missedBefore: boolean[] = [];
  const entries = values.map((value, i): CachedTask => {
    missedBefore.push(value === 1);
    if (typeof value !== "string") return undefined;
    if (value === TOMBSTONE) return "deleted";
    return decodeEntry(ids[i] ?? "", value);
  });
  return { entries, space, missedBefore };
}

/**
 * Refills entries that `read` missed, in one pipeline. Never overwrites a newer write or a delete,
 * and never lands in a key space other than the one the read missed in.
 */
export async function fillTasks(read: TaskRead, tasks: TaskRecord[]): Promise<void> {
  const redis = await usableClient();
  if (!redis || tasks.length === 0) return;
  count("fills", tasks.length);
  try {
    await timed(async () => {
      const k = cacheKeys(read.space);
      const pipeline = redis.pipeline() as unknown as CacheCommands & { exec(): Promise<unknown> };
      let queued = 0;
      for (const task of tasks) {
        const ttl = entryTtlMs(config.CACHE_TTL_SECONDS, expiresAtMs(task));
        if (ttl <= 0 || !finite(task.version)) continue;
        pipeline.mtFill(k.epoch, k.task(task.id), read.space.epoch, encodeEntry(task), task.version, ttl);
        queued += 1;
      }
      if (queued > 0) await pipeline.exec();
    });
  } catch {
    // A lost refill only costs a later miss.
  }
}

/** Counts a single-entity read (get) for X-Cache and the stats. */
export function noteRead(value: CacheOutcome): void {
  outcome(value);
}

export type WriteOp = { op: "put"; task: TaskRecord } | { op: "del"; id: string };

/** The script's arguments for one write; "forget" when a fact of the task cannot be put in Redis. */
interface WriteArgs {
  id: string;
  op: "put" | "del" | "forget";
  entry: string;
  version: number;
  ttl: number;
  score: number;
  expMs: string;
}

/** Pure: what a write asks of Redis (exported for the edge-value tests). */
export function writeArgs(write: WriteOp, now = Date.now()): WriteArgs {
  if (write.op === "del")
    return { id: write.id, op: "del", entry: "", version: 0, ttl: 1, score: 0, expMs: "" };
  const { task } = write;
  const expires = expiresAtMs(task);
  const base = { id: task.id, entry: "", version: 0, ttl: 1, score: 0, expMs: "" };
  // A fact Redis could not parse (a score, a version, an expiry that is not a number) must cost
  // this task its entry and index position, never the whole cache (finding 2).
  if (!finite(task.version) || !finite(task.createdMicros) || (expires !== null && Number.isNaN(expires))) {
    return { ...base, op: "forget" };
  }
  const ttl = entryTtlMs(config.CACHE_TTL_SECONDS, expires, now);
  // Already expired: it is gone from every list, exactly like a delete.
  if (ttl <= 0) return { ...base, op: "del" };
  return {
    id: task.id,
    op: "put",
    entry: encodeEntry(task),
    version: task.version,
    ttl,
    score: task.createdMicros,
    expMs: expires === null || !finite(expires) ? "" : String(Math.floor(expires)),
  };
}

/**
 * Called after PostgreSQL committed and before the client gets its response: replaces the entry
 * (or leaves a tombstone), moves the generation and updates the position index in one atomic
 * script. Never throws (the write already happened). A write Redis refuses as a value (it answered)
 * forgets that one task (entry and position index) instead; only a write that may not have reached
 * Redis at all (a lost connection, a timeout) invalidates the whole cache once Redis answers again.
 */
export async function writeThrough(write: WriteOp): Promise<void> {
  if (!config.REDIS_URL) return;
  const args = writeArgs(write);
  const redis = await usableClient().catch(() => undefined);
  if (!redis) {
    oweInvalidation();
    return;
  }
  try {
    let written: WriteResult | undefined;
    try {
      written = await timed(() => applyWrite(redis, args));
    } catch (error) {
      if (!(error instanceof ReplyError) || args.op === "forget") throw error;
      written = "refused";
    }
    if (written === "refused") written = await timed(() => applyWrite(redis, { ...args, op: "forget" }));
    // A forgotten task left the index missing: the next read of it kicks a background rebuild.
    if (written !== "done") throw new Error("the cache could not take the write");
  } catch {
    await invalidateOrOwe(redis);
  }
}

type WriteResult = "done" | "refused";

function applyWrite(redis: CacheClient, args: WriteArgs): Promise<WriteResult | undefined> {
  const { id, op, entry, version, ttl, score, expMs } = args;
  return inCurrentEpoch(redis, 3, async (space) => {
    const [ok] = await redis.mtWrite(
      ...writeKeys(cacheKeys(space), id),
      space.epoch,
      op,
      entry,
      version,
      ttl,
      indexMember(id),
      score,
      expMs,
      newToken(),
      TOMBSTONE_TTL_MS,
    );
    if (ok === 2) return "refused";
    return ok === 1 ? "done" : EPOCH_MOVED;
  });
}

/** Removes ids the index holds but PostgreSQL no longer has (only reachable after an eviction). */
export async function unindex(redis: CacheClient, space: KeySpace, ids: string[]): Promise<void> {
  const k = cacheKeys(space);
  await Promise.all(
    ids.map((id) =>
      redis.mtWrite(...writeKeys(k, id), space.epoch, "unindex", "", 0, 1, indexMember(id), 0, "", "", 1),
    ),
  );
}

/**
 * Tasks per mtWriteMany call: Redis runs a script alone, so every other client waits for it. 500
 * puts (~3,000 commands) held Redis 3-18 ms during a bulk job, in other users' p99; 100 hold it
 * about 1-3 ms, and other clients' commands interleave between the calls.
 */
const WRITE_MANY_BATCH = 100;

/**
 * Many writes at once (a bulk job's chunk) with the single write's rules (never over a newer
 * version or a tombstone, the generation moved, the index updated), in one script per
 * WRITE_MANY_BATCH tasks. One script per task cost a bulk job of 100,000 tasks 100,000 script
 * calls and 2,000 ioredis commands per chunk on the event loop other requests share. Each batch's
 * arguments are built only after the previous script answered, so other requests on this event
 * loop (the same process serves them locally) and other clients of Redis get in between.
 */
export async function writeThroughMany(writes: WriteOp[]): Promise<void> {
  if (!config.REDIS_URL || writes.length === 0) return;
  const now = Date.now();
  const redis = await usableClient().catch(() => undefined);
  if (!redis) {
    oweInvalidation();
    return;
  }
  try {
    const done = await timed(() =>
      inCurrentEpoch(redis, 3, async (space) => {
        const k = cacheKeys(space);
        const keys = [k.epoch, k.gen, k.idx, k.build, k.lock, k.touched, k.exp];
        for (let start = 0; start < writes.length; start += WRITE_MANY_BATCH) {
          const flat: (string | number)[] = [];
          for (const write of writes.slice(start, start + WRITE_MANY_BATCH)) {
            const a = writeArgs(write, now);
            flat.push(a.op, a.id, indexMember(a.id), a.entry, a.version, a.ttl, a.score, a.expMs);
          }
          const [ok] = await redis.mtWriteMany(
            ...keys,
            space.epoch,
            k.task(""),
            newToken(),
            TOMBSTONE_TTL_MS,
            ...flat,
          );
          // An epoch that moved between calls: the whole chunk is written again in the new one.
          if (ok !== 1) return EPOCH_MOVED;
        }
        return "done" as const;
      }),
    );
    if (done !== "done") throw new Error("the cache could not take the writes");
  } catch {
    await invalidateOrOwe(redis);
  }
}
