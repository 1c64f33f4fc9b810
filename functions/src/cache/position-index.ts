// The position index for the default ordering (created_at, id): a sorted set giving O(log n) access
// by position, built in the background under a lock and never inside a user request.
import { ReplyError } from "ioredis";
import { config } from "../platform/config";
import { HttpError } from "../platform/errors";
import { availableRedis } from "../platform/redis";
import { TASK_ADMIT_WINDOW_MS, type TaskRead, taskRead, unindex } from "./entries";
import { cacheKeys, indexMember, type KeySpace, memberId, newToken } from "./keys";
import type { CacheClient, CacheCommands } from "./scripts";
import {
  cacheClient,
  cacheFailed,
  currentSpace,
  EPOCH_MOVED,
  freshSpace,
  inCurrentEpoch,
  invalidateEpoch,
  oweInvalidation,
  timed,
  usableClient,
} from "./state";
import { localStats } from "./stats";

/**
 * Longer than any one batch takes, its retries included (see BATCH_ATTEMPTS); renewed by every
 * batch, so a dead builder frees it quickly.
 */
const BUILD_LOCK_MS = 30_000;

/**
 * Sends of one step before a rebuild gives up. A batch into a 10M-member work set on a loaded box
 * can outlast the shared client's command timeout (250 ms, kept short for requests); one such batch
 * used to abort the whole rebuild, which started over from id 0 and, at 10M, never finished. Waits
 * between sends double from RETRY_FIRST_MS: 0.2 + 0.4 + 0.8 + 1.6 s plus five timeouts is ~4.5 s,
 * well inside the lock, which every send that reaches Redis renews anyway.
 */
const BATCH_ATTEMPTS = 5;
const RETRY_FIRST_MS = 200;

/**
 * Ids per batch: into a 10M-member work set on a loaded 2-core box a call of 2,000 took a third of
 * one of 5,000 (p95 21-70 ms against 55-131 ms, whose max came near the 250 ms timeout) at the same
 * cost per member, and every call holds Redis from all requests while it runs; 1,000 cost more per
 * member. Numbers in CACHE.md, from scripts/bench-index-batch.ts.
 */
const DEFAULT_BATCH = 2_000;

export type IndexAnchor = { mode: "pos"; position: number } | { mode: "after" | "before"; id: string };

export interface IndexSlice {
  total: number;
  start: number;
  ids: string[];
  /** The slice's task entries, read in the same round trip. */
  read: TaskRead;
  /** Tells the index an id it returned is gone from PostgreSQL, so it stops returning it. */
  repair: (ids: string[]) => Promise<void>;
}

/**
 * Ids of a slice of the created_at ordering, or undefined when the index cannot answer (cache
 * down, index missing or being built, anchor gone): the caller then reads PostgreSQL, and a
 * missing index is rebuilt in the background, never by this request.
 */
export async function indexSlice(
  direction: "asc" | "desc",
  anchor: IndexAnchor,
  count: number,
): Promise<IndexSlice | undefined> {
  const redis = await usableClient();
  if (!redis) return undefined;
  try {
    return await timed(async () => {
      const arg = anchor.mode === "pos" ? anchor.position : indexMember(anchor.id);
      const read = async (space: KeySpace) => {
        const k = cacheKeys(space);
        return redis.mtIndexRead(
          k.epoch,
          k.idx,
          k.exp,
          k.taskSeen,
          space.epoch,
          Date.now(),
          direction,
          anchor.mode,
          arg,
          count,
          k.task(""),
          TASK_ADMIT_WINDOW_MS,
        );
      };
      // -9: the epoch moved (invalidation, flush), so once more in the current one.
      return inCurrentEpoch(redis, 2, async (space): Promise<IndexSlice | undefined | typeof EPOCH_MOVED> => {
        const [status, start, members, entries] = await read(space);
        if (status === -9) return EPOCH_MOVED;
        if (status === -1) kickIndexRebuild();
        if (status < 0 || start === undefined || !members || !entries) return undefined;
        const ids = members.map(memberId);
        return {
          total: status,
          start,
          ids,
          read: taskRead(space, ids, entries),
          repair: (ids: string[]) => unindex(redis, space, ids).catch(() => {}),
        };
      });
    });
  } catch {
    return undefined;
  }
}

export interface IndexRow {
  id: string;
  createdMicros: string;
  expiresAtMs: string | null;
}

export interface RebuildOptions {
  /** Build even when an index exists (after a bulk load). */
  force?: boolean;
  batchSize?: number;
  /** Test hook: runs after a batch was read from PostgreSQL and before it reaches Redis. */
  afterBatchRead?: (rows: IndexRow[]) => Promise<void>;
}

export type RebuildResult =
  /** retries: sends that timed out or met a lost connection and were sent again. */
  | { built: true; rows: number; ms: number; retries: number }
  | { built: false; reason: "disabled" | "unavailable" | "ready" | "locked" | "lost-lock" | "failed" };

/**
 * Builds the position index from PostgreSQL in id batches under a lock. Writes that land while it
 * runs are applied to the work set too and mark their id as touched, and a batch never overrides a
 * touched id, so whatever order batches and writes interleave in, the result holds exactly the live
 * tasks: no ghost from a delete racing a batch, no hole from an insert racing one.
 */
export async function rebuildIndex(
  readBatch: (afterId: string, limit: number) => Promise<IndexRow[]>,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  if (!config.REDIS_URL) return { built: false, reason: "disabled" };
  const redis = await usableClient();
  if (!redis) return { built: false, reason: "unavailable" };
  try {
    return await buildIndex(redis, readBatch, options);
  } catch (error) {
    // Redis stayed away through every retry of a step, or refused one: the lock expires and the
    // next run starts over.
    if (error instanceof HttpError) throw error;
    cacheFailed();
    return { built: false, reason: "failed" };
  }
}

async function buildIndex(
  redis: CacheClient,
  readBatch: (afterId: string, limit: number) => Promise<IndexRow[]>,
  options: RebuildOptions,
): Promise<RebuildResult> {
  const started = performance.now();
  const space = await currentSpace(redis);
  const e = space.epoch;
  const k = cacheKeys(space);
  if (!options.force && (await redis.exists(k.idx))) return { built: false, reason: "ready" };
  const token = newToken();
  if ((await redis.mtBuildStart(k.epoch, k.lock, k.build, k.touched, e, token, BUILD_LOCK_MS)) !== 1) {
    return { built: false, reason: "locked" };
  }
  // Another builder may have finished between the check and the lock.
  if (!options.force && (await redis.exists(k.idx))) {
    await redis.del(k.lock);
    return { built: false, reason: "ready" };
  }
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const sent = { retries: 0 };
  let rows = 0;
  let afterId = "0";
  for (;;) {
    const batch = await readBatch(afterId, batchSize);
    await options.afterBatchRead?.(batch);
    if (batch.length > 0) {
      const args: string[] = [];
      for (const row of batch) args.push(row.createdMicros, indexMember(row.id), row.expiresAtMs ?? "");
      // Safe to send again: the same ZADDs, and a send that timed out but ran did the same ones.
      const ok = await withRetries(sent, () =>
        redis.mtBuildBatch(k.lock, k.build, k.touched, k.exp, token, BUILD_LOCK_MS, ...args),
      );
      if (ok !== 1) return { built: false, reason: "lost-lock" };
      rows += batch.length;
      afterId = batch.at(-1)?.id ?? afterId;
    }
    if (batch.length < batchSize) break;
    // Let requests sharing this process run between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const ms = Math.round(performance.now() - started);
  const builtAt = new Date().toISOString();
  const finish = () =>
    redis.mtBuildFinish(
      k.epoch,
      k.lock,
      k.build,
      k.touched,
      k.idx,
      k.meta,
      k.stats,
      e,
      token,
      rows,
      ms,
      builtAt,
    );
  const finished = await withRetries(sent, finish);
  // A send that timed out may still have run and finished the build: the retry then finds no lock
  // (0), and the index's meta names this builder.
  if (finished !== 1 && (await redis.hget(k.meta, "builder")) !== token) {
    return { built: false, reason: "lost-lock" };
  }
  // Counted in mt:stats by the finishing script itself, so not through count().
  localStats.rebuilds += 1;
  return { built: true, rows, ms, retries: sent.retries };
}

/**
 * Runs one idempotent rebuild step, again after a timeout or a lost connection (with a growing
 * wait), up to BATCH_ATTEMPTS sends; counts the repeats in `sent`. Any other error Redis answers
 * with is final: the same send would get it again.
 */
async function withRetries(sent: { retries: number }, step: () => Promise<number>): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (error) {
      if (!transient(error) || attempt >= BATCH_ATTEMPTS) throw error;
      sent.retries += 1;
      await new Promise((resolve) => setTimeout(resolve, RETRY_FIRST_MS * 2 ** (attempt - 1)));
    }
  }
}

/** A timeout, a lost connection, or Redis answering that it cannot run scripts right now. */
function transient(error: unknown): boolean {
  if (!(error instanceof ReplyError)) return true;
  return /^(BUSY|LOADING|TRYAGAIN|CLUSTERDOWN|MASTERDOWN)/.test((error as Error).message);
}

/**
 * How background rebuilds read PostgreSQL, whether one is running in this process, and whether a
 * kick came while it ran (then one more run follows it: see kickIndexRebuild).
 */
const rebuilds: {
  reader?: (afterId: string, limit: number) => Promise<IndexRow[]>;
  running: boolean;
  next?: RebuildOptions;
} = { running: false };

/** How a background rebuild reads PostgreSQL; registered by the task service (the cache runs no SQL). */
export function setIndexReader(reader: (afterId: string, limit: number) => Promise<IndexRow[]>): void {
  rebuilds.reader = reader;
}

/**
 * Starts a rebuild after the current request has moved on (a timer, not an await), at most one per
 * process and one overall (the lock). A kick while one runs is remembered and runs once it ends:
 * the running one may be building an epoch a seed has just replaced (it then ends with a lost
 * lock), and otherwise the new epoch would wait for the scheduled `maintain` run, the backstop.
 * Any number of such kicks make one follow-up (forced if any was); it finds the index ready when
 * the running build already served it.
 */
export function kickIndexRebuild(options: RebuildOptions = {}): void {
  const reader = rebuilds.reader;
  if (!reader || !config.CACHE_BACKGROUND_REBUILD) return;
  if (rebuilds.running) {
    rebuilds.next = { ...options, force: Boolean(options.force || rebuilds.next?.force) };
    return;
  }
  rebuilds.running = true;
  setTimeout(() => {
    rebuildIndex(reader, options)
      .catch(() => {})
      .finally(() => {
        rebuilds.running = false;
        const next = rebuilds.next;
        rebuilds.next = undefined;
        if (next) kickIndexRebuild(next);
      });
  }, 0).unref();
}

/**
 * For bulk loads that bypass the write path (seeding): every cached entry, page and the index are
 * dropped at once by moving the epoch (O(1), no KEYS/SCAN); the index is rebuilt in the background.
 */
export async function invalidateAll(kick = true): Promise<boolean> {
  if (!cacheClient()) return false;
  try {
    const redis = await availableRedis<CacheCommands>();
    if (!redis) throw new Error("redis unavailable");
    await invalidateEpoch(redis);
    if (kick) kickIndexRebuild();
    return true;
  } catch {
    oweInvalidation();
    return false;
  }
}

/** Every id in the index in its order (diagnostics and tests; O(n)), or undefined without one. */
export async function indexSnapshot(direction: "asc" | "desc" = "desc"): Promise<string[] | undefined> {
  const redis = await usableClient();
  if (!redis) return undefined;
  const k = cacheKeys(await freshSpace(redis));
  if (!(await redis.exists(k.idx))) return undefined;
  const members =
    direction === "desc" ? await redis.zrevrange(k.idx, 0, -2) : await redis.zrange(k.idx, "1", "-1");
  return members.map(memberId);
}
