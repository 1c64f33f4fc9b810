// Per-task entries: one MGET for a page, one pipeline to refill the misses, and the write-through
// that every create, update and delete goes through after PostgreSQL committed.
//
// An entry is "<version> <createdMicros> <expiresAtMicros|-> <status> <createdAt>\n<task JSON>": the
// header carries the record's facts, so neither this code nor a Lua script ever parses task JSON.
import { config } from "../platform/config";
import type { CacheOutcome } from "../platform/request-metrics";
import type { TaskRecord } from "../tasks/task-record";
import { cacheKeys, indexMember, type KeySpace, newToken, writeKeys } from "./keys";
import type { CacheClient, CacheCommands } from "./scripts";
import { EPOCH_MOVED, inCurrentEpoch, oweInvalidation, timed, usableClient } from "./state";
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

/** TTL in ms: the configured maximum minus up to 10% jitter, never past the task's expiry. */
export function entryTtlMs(maxSeconds: number, expiresAtMs: number | null, now = Date.now()): number {
  const jittered = Math.floor(maxSeconds * 1_000 * (0.9 + Math.random() * 0.1));
  if (expiresAtMs === null) return jittered;
  return Math.min(jittered, Math.floor(expiresAtMs - now));
}

const expiresAtMs = (task: TaskRecord): number | null =>
  task.expiresAtMicros === null ? null : task.expiresAtMicros / 1_000;

export type CachedTask = TaskRecord | "deleted" | undefined;

/** What one MGET found, and the key space it looked in (a refill may only land there). */
export interface TaskRead {
  entries: CachedTask[];
  space: KeySpace;
}

/**
 * One MGET for a set of ids (with the epoch in the same round trip). Returns undefined when the
 * cache is unavailable; otherwise one slot per id: the task, "deleted" (tombstone) or undefined.
 */
export async function getTasks(ids: string[]): Promise<TaskRead | undefined> {
  const redis = await usableClient();
  if (!redis || ids.length === 0) return undefined;
  try {
    return await timed(() =>
      inCurrentEpoch(redis, 2, async (space) => {
        const k = cacheKeys(space);
        const values = await redis.mget(k.epoch, ...ids.map(k.task));
        if (values[0] !== space.epoch) return EPOCH_MOVED;
        const entries = values.slice(1).map((value, i): CachedTask => {
          if (value === null || value === undefined) return undefined;
          if (value === TOMBSTONE) return "deleted";
          return decodeEntry(ids[i] ?? "", value);
        });
        return { entries, space };
      }),
    );
  } catch {
    return undefined;
  }
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
        if (ttl <= 0) continue;
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

type WriteOp = { op: "put"; task: TaskRecord } | { op: "del"; id: string };

/**
 * Called after PostgreSQL committed and before the client gets its response: replaces the entry
 * (or leaves a tombstone), moves the generation and updates the position index in one atomic
 * script. Never throws (the write already happened): if Redis cannot take it, the whole cache is
 * invalidated once Redis answers again.
 */
export async function writeThrough(write: WriteOp): Promise<void> {
  if (!config.REDIS_URL) return;
  try {
    const redis = await usableClient();
    if (!redis) {
      oweInvalidation();
      return;
    }
    const written = await timed(() => applyWrite(redis, write));
    if (written === undefined) throw new Error("epoch kept moving");
  } catch {
    oweInvalidation();
  }
}

function applyWrite(redis: CacheClient, write: WriteOp): Promise<true | undefined> {
  const id = write.op === "put" ? write.task.id : write.id;
  let op: "put" | "del" = write.op;
  let entry = "";
  let version = 0;
  let ttl = 0;
  let score = 0;
  let expMs = "";
  if (write.op === "put") {
    const expires = expiresAtMs(write.task);
    ttl = entryTtlMs(config.CACHE_TTL_SECONDS, expires);
    if (ttl <= 0) op = "del";
    entry = encodeEntry(write.task);
    version = write.task.version;
    score = write.task.createdMicros;
    expMs = expires === null ? "" : String(expires);
  }
  return inCurrentEpoch(redis, 3, async (space) => {
    const [ok] = await redis.mtWrite(
      ...writeKeys(cacheKeys(space), id),
      space.epoch,
      op,
      entry,
      version,
      Math.max(ttl, 1),
      indexMember(id),
      score,
      expMs,
      newToken(),
      TOMBSTONE_TTL_MS,
    );
    return ok === 1 ? true : EPOCH_MOVED;
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
