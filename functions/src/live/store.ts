// Redis state of the live feed: connections, the event log, counters and the fan-out lock.
//
// Commands run on the process's one Redis client through its one breaker (platform/redis.ts): with
// Redis away a publish fails at once and the write it follows is not slowed. Keys live under
// `{mt:live:L}:` (live/keys.ts, one database's feed, one cluster slot), which the cache never
// touches (its epoch invalidation leaves them alone, so a seed does not drop connected clients).
import { randomBytes } from "node:crypto";
import type Redis from "ioredis";
import type { LiveEventType } from "#contract/live";
import { config } from "../platform/config";
import {
  closeRedis,
  defineScripts,
  RedisUnavailableError,
  redisConfigured,
  withRedis,
} from "../platform/redis";
import { currentLiveKeys, type LiveKeys } from "./keys";

const STREAM_MAX = 10_000;
/** Long enough that a late event for a deleted task is still recognised as stale. */
const TASK_MARK_TTL_MS = 24 * 3_600_000;

const SCRIPTS = {
  // KEYS seq events task counters conns lock cursor
  // ARGV type version status eventJson nowMs streamMax markTtlMs
  // -> {seq (0 when superseded by a later event for the task), live connections}
  livePublish: {
    numberOfKeys: 7,
    lua: `
local kind, version, status = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local publish = true
if kind == 'task.created' or kind == 'task.updated' or kind == 'task.deleted' then
  local cur = redis.call('GET', KEYS[3])
  local curVersion, curStatus
  if cur and cur ~= 'D' then
    curVersion = tonumber(string.match(cur, '^(%d+)'))
    curStatus = string.match(cur, ' (.+)$')
  end
  if kind == 'task.created' then
    redis.call('HINCRBY', KEYS[4], 'created', 1)
    redis.call('HINCRBY', KEYS[4], 'created:' .. status, 1)
    if cur then publish = false else redis.call('SET', KEYS[3], version .. ' ' .. status, 'PX', ARGV[7]) end
  elseif kind == 'task.updated' then
    redis.call('HINCRBY', KEYS[4], 'updated', 1)
    redis.call('HINCRBY', KEYS[4], 'updated:' .. status, 1)
    if cur == 'D' or (curVersion and curVersion >= version) then publish = false
    else redis.call('SET', KEYS[3], version .. ' ' .. status, 'PX', ARGV[7]) end
  else
    redis.call('HINCRBY', KEYS[4], 'deleted', 1)
    -- The status a deleted task had is known when its last event came through here; otherwise
    -- PostgreSQL's count (reconciled by the fan-out) supplies it.
    if curStatus then redis.call('HINCRBY', KEYS[4], 'deleted:' .. curStatus, 1) end
    if cur == 'D' then publish = false else redis.call('SET', KEYS[3], 'D', 'PX', ARGV[7]) end
  end
end
local live = redis.call('ZCOUNT', KEYS[5], ARGV[5], '+inf')
if not publish then return {0, live} end
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], seq .. '-1', 'e', ARGV[4])
-- Nobody to deliver to and no fan-out running: the next fan-out starts after this event, so a
-- client connecting later is not sent history it asks for itself (hello) if it wants it.
if live == 0 and redis.call('EXISTS', KEYS[6]) == 0 then redis.call('SET', KEYS[7], seq) end
return {seq, live}`,
  },
  // KEYS pgCounters. ARGV field value pairs: each field becomes max(current, value)
  liveMaxMerge: {
    numberOfKeys: 1,
    lua: `
for i = 1, #ARGV, 2 do
  local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if tonumber(ARGV[i + 1]) > cur then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1`,
  },
  // KEYS lock cursor. ARGV token seq lockMs: advance the cursor only while holding the lock
  liveAdvance: {
    numberOfKeys: 2,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`,
  },
  // KEYS lock. ARGV token
  liveRelease: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  },
} as const;

interface LiveCommands {
  livePublish(...args: (string | number)[]): Promise<[number, number]>;
  liveMaxMerge(key: string, ...args: (string | number)[]): Promise<number>;
  liveAdvance(lock: string, cursor: string, token: string, seq: number, lockMs: number): Promise<number>;
  liveRelease(lock: string, token: string): Promise<number>;
}
type Client = Redis & LiveCommands;

defineScripts(SCRIPTS);

/** The live feed needs Redis: without REDIS_URL there is no feed (writes still succeed). */
export const liveEnabled = redisConfigured;

/** Every command of the feed goes through the shared breaker: Redis away means fail at once. */
async function live<T>(fn: (r: Client, K: LiveKeys) => Promise<T>): Promise<T> {
  let K: LiveKeys;
  try {
    K = await currentLiveKeys();
  } catch {
    // The feed's key space names the database; without the database there is no feed to speak of.
    throw new RedisUnavailableError();
  }
  return withRedis<T, LiveCommands>((r) => fn(r, K));
}

export const newToken = (): string => randomBytes(9).toString("base64url");

// ---------------------------------------------------------------------------------------------
// Connections

export async function registerConnection(id: string, endpoint: string): Promise<void> {
  return live(async (r, K) => {
    const expires = Date.now() + config.LIVE_CONNECTION_TTL_SECONDS * 1_000;
    await r.multi().zadd(K.conns, expires, id).hset(K.endpoints, id, endpoint).exec();
  });
}

/**
 * Any message from a client keeps its registration alive (API Gateway's idle limit is 10 min), or
 * registers it again at `endpoint` when it is gone while the socket is open: the fan-out dropped it
 * after failed posts, or Redis lost it (a flush, a failover). Without that, an open socket would
 * never be sent another event and its client would not know.
 */
export async function touchConnection(id: string, endpoint: string): Promise<void> {
  // XX CH: 1 when the registration was there (its expiry moved), 0 when it was not.
  const renewed = await live((r, K) =>
    r.zadd(K.conns, "XX", "CH", Date.now() + config.LIVE_CONNECTION_TTL_SECONDS * 1_000, id),
  );
  if (renewed !== 1) await registerConnection(id, endpoint);
}

export async function removeConnections(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  return live(async (r, K) => {
    await r
      .multi()
      .zrem(K.conns, ...ids)
      .hdel(K.endpoints, ...ids)
      .exec();
  });
}

export interface Connection {
  id: string;
  endpoint: string;
}

/** Live connections; expired registrations are removed on the way. */
export async function listConnections(): Promise<Connection[]> {
  return live(async (r, K) => {
    const now = Date.now();
    const expired = await r.zrangebyscore(K.conns, "-inf", now);
    if (expired.length > 0) await removeConnections(expired);
    const ids = await r.zrangebyscore(K.conns, now, "+inf");
    if (ids.length === 0) return [];
    const endpoints = await r.hmget(K.endpoints, ...ids);
    return ids.flatMap((id, i) => {
      const endpoint = endpoints[i];
      return endpoint ? [{ id, endpoint }] : [];
    });
  });
}

export async function isConnected(id: string): Promise<boolean> {
  return live(async (r, K) => {
    const score = await r.zscore(K.conns, id);
    return score !== null && Number(score) > Date.now();
  });
}

// ---------------------------------------------------------------------------------------------
// Events

export interface PublishInput {
  type: LiveEventType;
  id?: string;
  version?: number;
  status?: string;
  /** The event as JSON text without its seq (added when it is sent). */
  json: string;
  /** A seed that replaced the table: its ids start again, so earlier task marks no longer apply. */
  replaced?: boolean;
}

/** Appends an event and counts the write, atomically. seq 0: a later event for the task went first. */
export async function appendEvent(input: PublishInput): Promise<{ seq: number; live: number }> {
  return live(async (r, K) => {
    const generation =
      input.type === "tasks.seeded" && input.replaced
        ? String(await r.incr(K.generation))
        : ((await r.get(K.generation)) ?? "0");
    const [seq, live] = await r.livePublish(
      K.seq,
      K.events,
      K.task(generation, input.id ?? "-"),
      K.counters,
      K.conns,
      K.lock,
      K.cursor,
      input.type,
      input.version ?? 0,
      input.status ?? "",
      input.json,
      Date.now(),
      STREAM_MAX,
      TASK_MARK_TTL_MS,
    );
    return { seq: Number(seq), live: Number(live) };
  });
}

export interface StoredEvent {
  seq: number;
  json: string;
}

/** Events after `afterSeq`, oldest first, and whether the log still reaches back that far. */
export async function readEvents(
  afterSeq: number,
  limit: number,
): Promise<{ events: StoredEvent[]; head: number; complete: boolean }> {
  return live(async (r, K) => {
    const [entries, head, first] = await Promise.all([
      r.xrange(K.events, `${afterSeq + 1}-0`, "+", "COUNT", limit),
      r.get(K.seq),
      r.xrange(K.events, "-", "+", "COUNT", 1),
    ]);
    const headSeq = Number(head ?? 0);
    const firstSeq = first[0] ? Number(first[0][0].split("-")[0]) : headSeq + 1;
    const events = entries.map(([id, fields]) => ({
      seq: Number(id.split("-")[0]),
      json: fields[1] ?? "{}",
    }));
    const reachesBack = afterSeq >= headSeq || firstSeq <= afterSeq + 1;
    const last = events.at(-1)?.seq ?? afterSeq;
    return { events, head: headSeq, complete: reachesBack && last >= headSeq };
  });
}

export async function headSeq(): Promise<number> {
  return live(async (r, K) => {
    return Number((await r.get(K.seq)) ?? 0);
  });
}

// ---------------------------------------------------------------------------------------------
// Counters

/** Raw counter fields: "created", "created:todo", ... from Redis and from the PostgreSQL snapshot. */
export async function readCounterFields(): Promise<{
  redis: Record<string, number>;
  pg: Record<string, number>;
}> {
  return live(async (r, K) => {
    const [inc, pg] = await Promise.all([r.hgetall(K.counters), r.hgetall(K.pgCounters)]);
    const numbers = (hash: Record<string, string>) =>
      Object.fromEntries(Object.entries(hash).map(([field, n]) => [field, Number(n)]));
    return { redis: numbers(inc), pg: numbers(pg) };
  });
}

/** Raises the PostgreSQL snapshot field by field; never lowers one. */
export async function mergePgCounters(fields: Record<string, number>): Promise<void> {
  const args = Object.entries(fields).flat();
  if (args.length === 0) return;
  return live(async (r, K) => {
    await r.liveMaxMerge(K.pgCounters, ...args);
  });
}

// ---------------------------------------------------------------------------------------------
// Fan-out lock and cursor

export async function acquireDrain(token: string, lockMs: number): Promise<boolean> {
  return live(async (r, K) => {
    return (await r.set(K.lock, token, "PX", lockMs, "NX")) === "OK";
  });
}

export async function drainCursor(): Promise<number | undefined> {
  return live(async (r, K) => {
    const cursor = await r.get(K.cursor);
    return cursor === null ? undefined : Number(cursor);
  });
}

export async function advanceDrain(token: string, seq: number, lockMs: number): Promise<boolean> {
  return live(async (r, K) => {
    return (await r.liveAdvance(K.lock, K.cursor, token, seq, lockMs)) === 1;
  });
}

export async function releaseDrain(token: string): Promise<void> {
  return live(async (r, K) => {
    await r.liveRelease(K.lock, token);
  });
}

/** Closes the shared connection (tests and scripts); the next use reconnects. */
export const closeLiveStore = closeRedis;
