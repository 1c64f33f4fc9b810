// The cache's whole process-local state in one object, and the only functions that change it:
// which database and epoch this process reads and writes in, whether it owes Redis an invalidation,
// and whether Redis may be used at all right now. The connection and its breaker are platform/redis.ts's.
import { config } from "../platform/config";
import { type DatabaseIdentity, readDatabaseIdentity } from "../platform/database-identity";
import {
  availableRedis,
  defineScripts,
  failoverCount,
  onFailover,
  recordFailure,
  recordSuccess,
  redisClient,
} from "../platform/redis";
import { recordCache } from "../platform/request-metrics";
import { epochKey, epochPrefix, type KeySpace, newToken, RETIRED, statsKey } from "./keys";
import { CACHE_SCRIPTS, type CacheClient, type CacheCommands } from "./scripts";
import { count, flushStatsSoon } from "./stats";

export const cacheState: {
  /**
   * The database's identity, read from PostgreSQL once per process (a cold start) and again only
   * when its key space turns out retired (a replacing seed rotated it) or the cache is invalidated.
   */
  identity: Promise<DatabaseIdentity> | undefined;
  /** The key space this process believes in; every script checks its epoch against Redis before acting. */
  space: KeySpace | undefined;
  /** A write reached PostgreSQL but not Redis: the cache may hold older data until the epoch moves. */
  owesInvalidation: boolean;
  recoveryTimer: NodeJS.Timeout | undefined;
} = { identity: undefined, space: undefined, owesInvalidation: false, recoveryTimer: undefined };

/** Returned by an attempt that found the epoch moved under it (an invalidation, a flush). */
export const EPOCH_MOVED = Symbol("epoch moved");

// Every path to the client goes through this module, so the scripts are always registered first.
defineScripts(CACHE_SCRIPTS);
// A cluster failover may have lost the last writes the old primary acknowledged: nothing is read
// from the cache until the epoch has moved (cluster-failover.test.ts).
onFailover(() => oweInvalidation());

export const cacheClient = (): CacheClient | undefined => redisClient<CacheCommands>();

/** The database's identity: one primary-key read per process, shared by concurrent first callers. */
function databaseIdentity(refresh = false): Promise<DatabaseIdentity> {
  if (refresh || !cacheState.identity) {
    const reading = readDatabaseIdentity();
    cacheState.identity = reading;
    // A failed read (the database away) is tried again by the next caller, not remembered.
    reading.catch(() => {
      if (cacheState.identity === reading) cacheState.identity = undefined;
    });
  }
  return cacheState.identity;
}

/**
 * The key space this process believes in: the database's identity and its current epoch, read (or
 * created) once and then trusted until a script says the epoch moved.
 */
export async function currentSpace(redis: CacheClient): Promise<KeySpace> {
  if (cacheState.space) return cacheState.space;
  let db = (await databaseIdentity()).current;
  let found = await redis.get(epochKey(db));
  if (found === RETIRED) {
    // A replacing seed in another process rotated the identity this process read: read it again.
    const fresh = (await databaseIdentity(true)).current;
    if (fresh !== db) {
      db = fresh;
      found = await redis.get(epochKey(db));
    }
    // Still retired: the database carries an identity it once gave up (a physical backup from before
    // a rotation). Nothing cached under it may be trusted, so it starts over in a fresh epoch.
    if (found === RETIRED) {
      await redis.mtNewEpoch(epochKey(db), newToken(), epochPrefix(db));
      found = await redis.get(epochKey(db));
    }
  }
  if (found && found !== RETIRED) {
    cacheState.space = { db, epoch: found };
    return cacheState.space;
  }
  // Missing (first start, FLUSHALL or eviction): a fresh token means nothing older is ever read.
  await redis.set(epochKey(db), newToken(), "NX");
  const epoch = await redis.get(epochKey(db));
  cacheState.space = { db, epoch: epoch && epoch !== RETIRED ? epoch : newToken() };
  return cacheState.space;
}

/** The key space readers see now, not the one this process last used (health, diagnostics). */
export function freshSpace(redis: CacheClient): Promise<KeySpace> {
  cacheState.space = undefined;
  return currentSpace(redis);
}

/**
 * Runs `attempt` in the current epoch; when it answers EPOCH_MOVED, forgets the epoch and tries
 * again in the new one, up to `tries` times. Undefined when the epoch kept moving.
 */
export async function inCurrentEpoch<T>(
  redis: CacheClient,
  tries: number,
  attempt: (space: KeySpace) => Promise<T | typeof EPOCH_MOVED>,
): Promise<T | undefined> {
  for (let i = 0; i < tries; i += 1) {
    const result = await attempt(await currentSpace(redis));
    if (result !== EPOCH_MOVED) return result;
    cacheState.space = undefined;
  }
  return undefined;
}

/**
 * Moves the epoch: every entry, page and the index of the old one become unreachable at once. The
 * identity is read again first, since a replacing seed may just have rotated it; the key space of
 * the identity it replaced is retired, so a process still using that one finds out at its next
 * cache command (the epoch check every script makes) and reads the identity again.
 */
export async function invalidateEpoch(redis: CacheClient, refreshIdentity = true): Promise<KeySpace> {
  const identity = await databaseIdentity(refreshIdentity);
  if (identity.previous) {
    await redis.mtNewEpoch(epochKey(identity.previous), RETIRED, epochPrefix(identity.previous));
  }
  const space = { db: identity.current, epoch: newToken() };
  await redis.mtNewEpoch(epochKey(space.db), space.epoch, epochPrefix(space.db));
  cacheState.space = space;
  return space;
}

/**
 * A write's write-through failed on a connected client (a timeout on a busy box): other functions'
 * processes still read this key space, so the epoch is moved now, before the write is answered,
 * where Redis takes it at a second try; otherwise it is owed (see oweInvalidation).
 */
export async function invalidateOrOwe(redis: CacheClient): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    if (redis.status !== "ready") throw new Error("not connected");
    // Half a command timeout at most: the write already waited one. A move that lands later is
    // harmless (an epoch may move any time); until then it is owed like any other.
    const giveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timed out")), config.REDIS_COMMAND_TIMEOUT_MS / 2);
    });
    const move = invalidateEpoch(redis, false);
    move.catch(() => {}); // a late failure after giving up is already owed
    await Promise.race([move, giveUp]);
    recordSuccess();
  } catch {
    oweInvalidation();
  } finally {
    clearTimeout(timer);
  }
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

/**
 * Runs cache commands: their time goes to Server-Timing, their failure to the breaker. Commands that
 * overlapped a cluster failover fail too: they may have been answered by the promoted replica before
 * the epoch moved (a read) or by the old primary just before it died (a write).
 */
export async function timed<T>(fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const failoversBefore = failoverCount();
  try {
    const result = await fn();
    if (failoverCount() !== failoversBefore) throw new Error("a cluster failover overlapped the command");
    recordSuccess();
    return result;
  } catch (error) {
    cacheFailed();
    throw error;
  } finally {
    recordCache(performance.now() - started);
    flushStatsSoon(cacheClient(), cacheState.space && statsKey(cacheState.space.db));
  }
}

/** Forgets the key space and the identity (tests and scripts closing the shared connection). */
export function resetCacheState(): void {
  cacheState.space = undefined;
  cacheState.identity = undefined;
}
