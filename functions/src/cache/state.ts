// The cache's whole process-local state in one object, and the only functions that change it:
// which epoch this process reads and writes in, whether it owes Redis an invalidation, and whether
// Redis may be used at all right now. The connection and its breaker are platform/redis.ts's.
import { availableRedis, defineScripts, recordFailure, recordSuccess, redisClient } from "../platform/redis";
import { recordCache } from "../platform/request-metrics";
import { EPOCH_KEY, newToken } from "./keys";
import { CACHE_SCRIPTS, type CacheClient, type CacheCommands } from "./scripts";
import { count, flushStatsSoon } from "./stats";

export const cacheState: {
  /** The epoch this process believes in; every script checks it against Redis before acting. */
  epoch: string | undefined;
  /** A write reached PostgreSQL but not Redis: the cache may hold older data until the epoch moves. */
  owesInvalidation: boolean;
  recoveryTimer: NodeJS.Timeout | undefined;
} = { epoch: undefined, owesInvalidation: false, recoveryTimer: undefined };

/** Returned by an attempt that found the epoch moved under it (an invalidation, a flush). */
export const EPOCH_MOVED = Symbol("epoch moved");

// Every path to the client goes through this module, so the scripts are always registered first.
defineScripts(CACHE_SCRIPTS);

export const cacheClient = (): CacheClient | undefined => redisClient<CacheCommands>();

/** The epoch this process believes in, read (or created) once and then trusted until a script says otherwise. */
export async function currentEpoch(redis: CacheClient): Promise<string> {
  if (cacheState.epoch) return cacheState.epoch;
  let found = await redis.get(EPOCH_KEY);
  if (!found) {
    // Missing (first start, FLUSHALL or eviction): a fresh token means nothing older is ever read.
    await redis.set(EPOCH_KEY, newToken(), "NX");
    found = (await redis.get(EPOCH_KEY)) ?? newToken();
  }
  cacheState.epoch = found;
  return found;
}

/** The epoch readers see now, not the one this process last used (health, diagnostics). */
export function freshEpoch(redis: CacheClient): Promise<string> {
  cacheState.epoch = undefined;
  return currentEpoch(redis);
}

/**
 * Runs `attempt` in the current epoch; when it answers EPOCH_MOVED, forgets the epoch and tries
 * again in the new one, up to `tries` times. Undefined when the epoch kept moving.
 */
export async function inCurrentEpoch<T>(
  redis: CacheClient,
  tries: number,
  attempt: (epoch: string) => Promise<T | typeof EPOCH_MOVED>,
): Promise<T | undefined> {
  for (let i = 0; i < tries; i += 1) {
    const result = await attempt(await currentEpoch(redis));
    if (result !== EPOCH_MOVED) return result;
    cacheState.epoch = undefined;
  }
  return undefined;
}

/** Moves the epoch: every entry, page and the index of the old one become unreachable at once. */
export async function invalidateEpoch(redis: CacheClient): Promise<string> {
  const next = newToken();
  await redis.mtNewEpoch(EPOCH_KEY, next);
  cacheState.epoch = next;
  return next;
}

/** A write could not reach Redis: no reads from the cache until the epoch has moved. */
export function oweInvalidation(): void {
  cacheState.owesInvalidation = true;
  scheduleRecovery();
}

function scheduleRecovery(): void {
  if (cacheState.recoveryTimer) return;
  cacheState.recoveryTimer = setTimeout(async () => {
    cacheState.recoveryTimer = undefined;
    const redis = cacheClient();
    if (!cacheState.owesInvalidation || !redis) return;
    try {
      if (redis.status !== "ready") throw new Error("not connected");
      await invalidateEpoch(redis);
      cacheState.owesInvalidation = false;
      recordSuccess();
    } catch {
      scheduleRecovery();
    }
  }, 500);
  cacheState.recoveryTimer.unref();
}

/** A client to use now, or undefined: disabled, not connected, recently failing, or owed an invalidation. */
export async function usableClient(): Promise<CacheClient | undefined> {
  const redis = await availableRedis<CacheCommands>();
  if (!redis) return undefined;
  if (cacheState.owesInvalidation) {
    scheduleRecovery();
    return undefined;
  }
  return redis;
}

/** Counts a failed cache command: the shared breaker opens, and the cache's error counter moves. */
export function cacheFailed(): void {
  count("errors");
  recordFailure();
}

/** Runs cache commands: their time goes to Server-Timing, their failure to the breaker. */
export async function timed<T>(fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await fn();
    recordSuccess();
    return result;
  } catch (error) {
    cacheFailed();
    throw error;
  } finally {
    recordCache(performance.now() - started);
    flushStatsSoon(cacheClient());
  }
}

/** Forgets the epoch (tests and scripts closing the shared connection). */
export function resetCacheState(): void {
  cacheState.epoch = undefined;
}
