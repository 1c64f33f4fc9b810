// The only module that talks to Redis and the only one that knows a key. Everything here is an
// optimisation: when Redis is missing, down or slow, every function returns "no answer" quickly and
// the caller asks PostgreSQL, so correctness never depends on Redis being up.
//
// Key layout (E = epoch token, G = generation token; see CACHE.md for the reasoning):
//   mt:epoch                 current epoch; replacing it invalidates every key below at once
//   mt:stats                 hash of hit/miss/partial/bypass/fill/rebuild counters (all processes)
//   mt:E:t:<id>              a task's API JSON, or "D" (tombstone) after a delete
//   mt:E:gen                 generation, replaced by every write; query pages are keyed by it
//   mt:E:q:G:<hash>          a cached response body for a normalised query; mt:E:qf:G:<hash> its fill lock
//   mt:E:idx                 sorted set of live tasks by created_at (score, µs) then id (member)
//   mt:E:idx:exp             sorted set of indexed tasks by expires_at (ms): removed at their instant
//   mt:E:idx:build|touched|lock|meta   the background rebuild's work set, touched ids, lock and info
import { createHash, randomBytes } from "node:crypto";
import type Redis from "ioredis";
import { setNewest } from "../platform/bounded-map";
import { config } from "../platform/config";
import { HttpError } from "../platform/errors";
import {
  availableRedis,
  closeRedis,
  defineScripts,
  recordFailure,
  recordSuccess,
  redisClient,
} from "../platform/redis";
import { type CacheOutcome, recordCache, recordOutcome } from "../platform/request-metrics";

// ---------------------------------------------------------------------------------------------
// Pure helpers (unit-tested)

/**
 * The tail json_build_object gives every task (see TASK_JSON; json, not jsonb, so `"key" : value`
 * with spaces): anchored at the end, where no title or description can reach.
 */
const TASK_TAIL =
  /"expiresAt" ?: ?(?:null|"([^"]*)"), ?"createdAt" ?: ?"([^"]+)", ?"updatedAt" ?: ?"[^"]+", ?"version" ?: ?(\d+)}$/;

export interface TaskFacts {
  createdAt: string;
  createdMicros: number;
  expiresAtMs: number | null;
  version: number;
}

/** Microseconds since the epoch of an RFC 3339 instant with up to 6 fractional digits. */
export function instantMicros(iso: string): number {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})$/.exec(iso);
  if (!match) return Number.NaN;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  return seconds * 1_000 + Number((match[2] ?? "").padEnd(6, "0"));
}

export function taskFacts(json: string): TaskFacts | null {
  const match = TASK_TAIL.exec(json);
  if (!match?.[2] || !match[3]) return null;
  return {
    createdAt: match[2],
    createdMicros: instantMicros(match[2]),
    expiresAtMs: match[1] ? instantMicros(match[1]) / 1_000 : null,
    version: Number(match[3]),
  };
}

/**
 * Sorted-set member for an id. Equal scores order members bytewise, so a one-letter length prefix
 * makes that order numeric ("c123" < "d1000") at one extra byte, where zero padding would cost 12.
 */
export function indexMember(id: string): string {
  return String.fromCharCode(96 + id.length) + id;
}

export function memberId(member: string): string {
  return member.slice(1);
}

/** TTL in ms: the configured maximum minus up to 10% jitter, never past the task's expiry. */
export function entryTtlMs(maxSeconds: number, expiresAtMs: number | null, now = Date.now()): number {
  const jittered = Math.floor(maxSeconds * 1_000 * (0.9 + Math.random() * 0.1));
  if (expiresAtMs === null) return jittered;
  return Math.min(jittered, Math.floor(expiresAtMs - now));
}

/** Equivalent requests share a key: object keys sorted, undefined dropped, lists given as sets sorted. */
export function normalizedKey(kind: string, parts: Record<string, unknown>): string {
  const normal = Object.keys(parts)
    .filter((key) => parts[key] !== undefined)
    .sort()
    .map((key) => {
      const value = parts[key];
      return [key, Array.isArray(value) ? [...new Set(value.map(String))].sort() : value];
    });
  return `${kind}:${createHash("sha256").update(JSON.stringify(normal)).digest("base64url").slice(0, 22)}`;
}

// ---------------------------------------------------------------------------------------------
// Lua: each script is one atomic step, so a rebuild, a write and a read can interleave only
// between steps, and the rules below hold at every step boundary.

/** Shared by write and refill: a tombstone or a newer version is never overwritten. */
const LUA_NEWER = `
local function newer(cur, version)
  if not cur then return true end
  if cur == 'D' then return false end
  local v = tonumber(string.match(cur, '"version" ?: ?(%d+)}$'))
  return (not v) or v < version
end`;

const SCRIPTS = {
  // KEYS epoch task. ARGV epochSeenByTheRead json version ttlMs
  // A refill lands only in the key space its read missed in: once the epoch moved (a write that
  // could not reach Redis, a restart, an invalidation), what PostgreSQL said before may be stale.
  mtFill: {
    numberOfKeys: 2,
    lua: `${LUA_NEWER}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if newer(redis.call('GET', KEYS[2]), tonumber(ARGV[3])) then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4]) return 1 end
return 0`,
  },
  // KEYS epoch task gen idx build lock touched exp
  // ARGV epoch op(put|del|unindex) json version ttlMs member score expMs newGen tombTtlMs
  mtWrite: {
    numberOfKeys: 8,
    lua: `${LUA_NEWER}
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return {0, epoch or ''} end
local op, member = ARGV[2], ARGV[6]
if op == 'put' then
  local cur = redis.call('GET', KEYS[2])
  if cur == 'D' then op = 'stale' else
    local v = cur and tonumber(string.match(cur, '"version" ?: ?(%d+)}$'))
    if v and v > tonumber(ARGV[4]) then op = 'stale'
    elseif not v or v < tonumber(ARGV[4]) then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[5]) end
  end
elseif op == 'del' then
  redis.call('SET', KEYS[2], 'D', 'PX', ARGV[10])
end
if op ~= 'unindex' then redis.call('SET', KEYS[3], ARGV[9]) end
if op == 'stale' then return {1} end
local building = redis.call('EXISTS', KEYS[6]) == 1
if building then redis.call('SADD', KEYS[7], member) end
if op == 'put' then
  if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('ZADD', KEYS[4], ARGV[7], member) end
  if building then redis.call('ZADD', KEYS[5], ARGV[7], member) end
  if ARGV[8] ~= '' then redis.call('ZADD', KEYS[8], ARGV[8], member) else redis.call('ZREM', KEYS[8], member) end
else
  redis.call('ZREM', KEYS[4], member)
  redis.call('ZREM', KEYS[8], member)
  if building then redis.call('ZREM', KEYS[5], member) end
end
return {1}`,
  },
  // KEYS epoch idx exp. ARGV epoch nowMs dir(desc|asc) mode(pos|after|before) arg count
  // -> {-9} epoch moved, {-1} no index, {-2} too many expiries to sweep now, {-3} anchor gone,
  //    else {total, start, members}
  mtIndexRead: {
    numberOfKeys: 3,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-9} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {-1} end
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[2], 'LIMIT', 0, 1000)
if #gone > 0 then
  redis.call('ZREM', KEYS[2], unpack(gone))
  redis.call('ZREM', KEYS[3], unpack(gone))
  if #gone == 1000 then return {-2} end
end
local n = redis.call('ZCARD', KEYS[2]) - 1
local desc = ARGV[3] == 'desc'
local count = tonumber(ARGV[6])
local start
if ARGV[4] == 'pos' then start = tonumber(ARGV[5]) else
  local r
  if desc then r = redis.call('ZREVRANK', KEYS[2], ARGV[5]) else r = redis.call('ZRANK', KEYS[2], ARGV[5]) end
  if not r then return {-3} end
  if not desc then r = r - 1 end
  if ARGV[4] == 'after' then start = r + 1 else
    start = r - count
    if start < 0 then count = count + start start = 0 end
  end
end
local stop = math.min(start + count - 1, n - 1)
local members = {}
if start <= stop then
  if desc then members = redis.call('ZREVRANGE', KEYS[2], start, stop)
  else members = redis.call('ZRANGE', KEYS[2], start + 1, stop + 1) end
end
return {n, start, members}`,
  },
  // KEYS epoch lock build touched. ARGV epoch token lockMs
  mtBuildStart: {
    numberOfKeys: 4,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -9 end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 0 end
redis.call('DEL', KEYS[3], KEYS[4])
return 1`,
  },
  // KEYS lock build touched exp. ARGV token lockMs then (score member expMs) triples
  mtBuildBatch: {
    numberOfKeys: 4,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
for i = 3, #ARGV, 3 do
  local member = ARGV[i + 1]
  if redis.call('SISMEMBER', KEYS[3], member) == 0 then
    redis.call('ZADD', KEYS[2], ARGV[i], member)
    if ARGV[i + 2] ~= '' then redis.call('ZADD', KEYS[4], ARGV[i + 2], member) end
  end
end
return 1`,
  },
  // KEYS epoch lock build touched idx meta stats. ARGV epoch token rows ms builtAt
  mtBuildFinish: {
    numberOfKeys: 7,
    lua: `
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then redis.call('DEL', KEYS[2], KEYS[3], KEYS[4]) return -9 end
redis.call('ZADD', KEYS[3], '-inf', '0')
redis.call('RENAME', KEYS[3], KEYS[5])
redis.call('DEL', KEYS[4], KEYS[2])
redis.call('HSET', KEYS[6], 'rows', ARGV[3], 'ms', ARGV[4], 'builtAt', ARGV[5])
redis.call('HINCRBY', KEYS[7], 'rebuilds', 1)
return 1`,
  },
  // KEYS epoch. ARGV newEpoch oldPrefixPattern-free: the old epoch's structural keys are named here
  mtNewEpoch: {
    numberOfKeys: 1,
    lua: `
local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
if old then
  local p = 'mt:' .. old
  redis.call('UNLINK', p .. ':idx', p .. ':idx:exp', p .. ':idx:build', p .. ':idx:touched',
    p .. ':idx:lock', p .. ':idx:meta', p .. ':gen')
end
return old or ''`,
  },
} as const;

interface CacheCommands {
  mtFill(
    epochKey: string,
    task: string,
    epoch: string,
    json: string,
    version: number,
    ttlMs: number,
  ): Promise<number>;
  mtWrite(...args: (string | number)[]): Promise<[number, string?]>;
  mtIndexRead(...args: (string | number)[]): Promise<[number, number?, string[]?]>;
  mtBuildStart(...args: (string | number)[]): Promise<number>;
  mtBuildBatch(...args: (string | number)[]): Promise<number>;
  mtBuildFinish(...args: (string | number)[]): Promise<number>;
  mtNewEpoch(epochKey: string, epoch: string): Promise<string>;
}
type Client = Redis & CacheCommands;

defineScripts(SCRIPTS);

// ---------------------------------------------------------------------------------------------
// Availability (the connection and its breaker are platform/redis.ts's), recovery, stats

const EPOCH_KEY = "mt:epoch";
const STATS_KEY = "mt:stats";
const TOMBSTONE_TTL_MS = 10 * 60_000;
/** Longer than any one batch takes; renewed by every batch, so a dead builder frees it quickly. */
const BUILD_LOCK_MS = 30_000;
const QUERY_FILL_LOCK_MS = 2_000;

/** A write reached PostgreSQL but not Redis: the cache may hold older data until the epoch moves. */
let mustInvalidate = false;
let recoveryTimer: NodeJS.Timeout | undefined;
let epoch: string | undefined;

const localStats = {
  hit: 0,
  miss: 0,
  partial: 0,
  bypass: 0,
  fills: 0,
  queryLoads: 0,
  rebuilds: 0,
  errors: 0,
};
const unflushed: Partial<Record<keyof typeof localStats, number>> = {};
let lastStatsFlush = 0;

function count(name: keyof typeof localStats, by = 1): void {
  localStats[name] += by;
  unflushed[name] = (unflushed[name] ?? 0) + by;
}

export const tokenOf = (): string => randomBytes(6).toString("base64url");

const getClient = (): Client | undefined => redisClient<CacheCommands>();

function trip(): void {
  count("errors");
  recordFailure();
}

function scheduleRecovery(): void {
  if (recoveryTimer) return;
  recoveryTimer = setTimeout(async () => {
    recoveryTimer = undefined;
    const redis = getClient();
    if (!mustInvalidate || !redis) return;
    try {
      if (redis.status !== "ready") throw new Error("not connected");
      await invalidateEpoch(redis);
      mustInvalidate = false;
      recordSuccess();
    } catch {
      scheduleRecovery();
    }
  }, 500);
  recoveryTimer.unref();
}

/** A client to use now, or undefined: disabled, not connected, recently failing, or owed an invalidation. */
async function available(): Promise<Client | undefined> {
  const redis = await availableRedis<CacheCommands>();
  if (!redis) return undefined;
  if (mustInvalidate) {
    scheduleRecovery();
    return undefined;
  }
  return redis;
}

async function timed<T>(fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await fn();
    recordSuccess();
    return result;
  } catch (error) {
    trip();
    throw error;
  } finally {
    recordCache(performance.now() - started);
    flushStatsSoon();
  }
}

function flushStatsSoon(): void {
  const redis = getClient();
  if (!redis || redis.status !== "ready" || Date.now() - lastStatsFlush < 1_000) return;
  const entries = Object.entries(unflushed).filter(([, n]) => n);
  if (entries.length === 0) return;
  lastStatsFlush = Date.now();
  for (const [name] of entries) delete unflushed[name as keyof typeof localStats];
  const pipeline = redis.pipeline();
  for (const [name, n] of entries) pipeline.hincrby(STATS_KEY, name, n ?? 0);
  pipeline.exec().catch(() => {});
}

function outcome(value: CacheOutcome): void {
  recordOutcome(value);
  count(value === "hit" ? "hit" : value === "miss" ? "miss" : value === "partial" ? "partial" : "bypass");
}

const keys = (e: string) => ({
  task: (id: string) => `mt:${e}:t:${id}`,
  gen: `mt:${e}:gen`,
  query: (gen: string, key: string) => `mt:${e}:q:${gen}:${key}`,
  queryFill: (gen: string, key: string) => `mt:${e}:qf:${gen}:${key}`,
  idx: `mt:${e}:idx`,
  exp: `mt:${e}:idx:exp`,
  build: `mt:${e}:idx:build`,
  touched: `mt:${e}:idx:touched`,
  lock: `mt:${e}:idx:lock`,
  meta: `mt:${e}:idx:meta`,
});

async function invalidateEpoch(redis: Client): Promise<string> {
  const next = tokenOf();
  await redis.mtNewEpoch(EPOCH_KEY, next);
  epoch = next;
  return next;
}

/** The epoch this process believes in; checked against Redis inside every command that uses it. */
async function currentEpoch(redis: Client): Promise<string> {
  if (epoch) return epoch;
  const found = await redis.get(EPOCH_KEY);
  if (found) return (epoch = found);
  // Missing (first start, FLUSHALL or eviction): a fresh token means nothing older is ever read.
  await redis.set(EPOCH_KEY, tokenOf(), "NX");
  return (epoch = (await redis.get(EPOCH_KEY)) ?? tokenOf());
}

// ---------------------------------------------------------------------------------------------
// Per-task entries

export type CachedTask = { json: string; version: number } | "deleted" | undefined;

/** What one MGET found, and the key space it looked in (a refill may only land there). */
export interface TaskRead {
  entries: CachedTask[];
  epoch: string;
}

/**
 * One MGET for a set of ids (with the epoch in the same round trip). Returns undefined when the
 * cache is unavailable; otherwise one slot per id: the task, "deleted" (tombstone) or undefined.
 */
export async function getTasks(ids: string[]): Promise<TaskRead | undefined> {
  const redis = await available();
  if (!redis || ids.length === 0) return undefined;
  try {
    return await timed(async () => {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const e = await currentEpoch(redis);
        const k = keys(e);
        const values = await redis.mget(EPOCH_KEY, ...ids.map(k.task));
        if (values[0] !== e) {
          epoch = undefined;
          continue;
        }
        const entries = values.slice(1).map((value): CachedTask => {
          if (value === null || value === undefined) return undefined;
          if (value === "D") return "deleted";
          const facts = taskFacts(value);
          return facts ? { json: value, version: facts.version } : undefined;
        });
        return { entries, epoch: e };
      }
      return undefined;
    });
  } catch {
    return undefined;
  }
}

/**
 * Refills entries that `read` missed, in one pipeline. Never overwrites a newer write or a delete,
 * and never lands in a key space other than the one the read missed in.
 */
export async function fillTasks(read: TaskRead, tasks: { id: string; json: string }[]): Promise<void> {
  const redis = await available();
  if (!redis || tasks.length === 0) return;
  count("fills", tasks.length);
  try {
    await timed(async () => {
      const k = keys(read.epoch);
      const pipeline = redis.pipeline() as unknown as CacheCommands & { exec(): Promise<unknown> };
      let queued = 0;
      for (const task of tasks) {
        const facts = taskFacts(task.json);
        if (!facts) continue;
        const ttl = entryTtlMs(config.CACHE_TTL_SECONDS, facts.expiresAtMs);
        if (ttl <= 0) continue;
        pipeline.mtFill(EPOCH_KEY, k.task(task.id), read.epoch, task.json, facts.version, ttl);
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

// ---------------------------------------------------------------------------------------------
// Write-through

type WriteOp = { op: "put"; id: string; json: string } | { op: "del"; id: string };

/**
 * Called after PostgreSQL committed and before the client gets its response: replaces the entry
 * (or leaves a tombstone), moves the generation and updates the position index in one atomic
 * script. If Redis cannot take it, the whole cache is invalidated once Redis answers again.
 */
export async function writeThrough(write: WriteOp): Promise<void> {
  if (!config.REDIS_URL) return;
  const redis = await available();
  if (!redis) {
    mustInvalidate = true;
    scheduleRecovery();
    return;
  }
  let op: "put" | "del" = write.op;
  let json = "";
  let version = 0;
  let ttl = 0;
  let score = 0;
  let expMs = "";
  if (write.op === "put") {
    const facts = taskFacts(write.json);
    if (!facts) throw new Error("task JSON without the expected tail");
    ttl = entryTtlMs(config.CACHE_TTL_SECONDS, facts.expiresAtMs);
    if (ttl <= 0) op = "del";
    json = write.json;
    version = facts.version;
    score = facts.createdMicros;
    expMs = facts.expiresAtMs === null ? "" : String(facts.expiresAtMs);
  }
  try {
    await timed(async () => {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const e = await currentEpoch(redis);
        const k = keys(e);
        const [ok] = await redis.mtWrite(
          ...writeKeys(k, write.id),
          e,
          op,
          json,
          version,
          Math.max(ttl, 1),
          indexMember(write.id),
          score,
          expMs,
          tokenOf(),
          TOMBSTONE_TTL_MS,
        );
        if (ok === 1) return;
        epoch = undefined;
      }
      throw new Error("epoch kept moving");
    });
  } catch {
    mustInvalidate = true;
    scheduleRecovery();
  }
}

/** The keys the write script touches for one task, in the order the script reads them. */
function writeKeys(k: ReturnType<typeof keys>, id: string): string[] {
  return [EPOCH_KEY, k.task(id), k.gen, k.idx, k.build, k.lock, k.touched, k.exp];
}

/** Removes ids the index holds but PostgreSQL no longer has (only reachable after an eviction). */
async function unindex(redis: Client, e: string, ids: string[]): Promise<void> {
  const k = keys(e);
  await Promise.all(
    ids.map((id) =>
      redis.mtWrite(...writeKeys(k, id), e, "unindex", "", 0, 1, indexMember(id), 0, "", "", 1),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Position index for the default ordering

export type IndexAnchor = { mode: "pos"; position: number } | { mode: "after" | "before"; id: string };

export interface IndexSlice {
  total: number;
  start: number;
  ids: string[];
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
  const redis = await available();
  if (!redis) return undefined;
  try {
    return await timed(async () => {
      const arg = anchor.mode === "pos" ? anchor.position : indexMember(anchor.id);
      const read = async (e: string) => {
        const k = keys(e);
        return redis.mtIndexRead(EPOCH_KEY, k.idx, k.exp, e, Date.now(), direction, anchor.mode, arg, count);
      };
      let e = await currentEpoch(redis);
      let [status, start, members] = await read(e);
      if (status === -9) {
        // The epoch moved (invalidation, flush): once more with the current one.
        epoch = undefined;
        e = await currentEpoch(redis);
        [status, start, members] = await read(e);
      }
      if (status === -1) kickIndexRebuild();
      if (status < 0 || start === undefined || !members) return undefined;
      return {
        total: status,
        start,
        ids: members.map(memberId),
        repair: (ids: string[]) => unindex(redis, e, ids).catch(() => {}),
      };
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
  | { built: true; rows: number; ms: number }
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
  const redis = await available();
  if (!redis) return { built: false, reason: "unavailable" };
  try {
    return await buildIndex(redis, readBatch, options);
  } catch (error) {
    // Redis went away or evicted the work set: the lock expires and the next run starts over.
    if (error instanceof HttpError) throw error;
    trip();
    return { built: false, reason: "failed" };
  }
}

async function buildIndex(
  redis: Client,
  readBatch: (afterId: string, limit: number) => Promise<IndexRow[]>,
  options: RebuildOptions,
): Promise<RebuildResult> {
  const started = performance.now();
  const e = await currentEpoch(redis);
  const k = keys(e);
  if (!options.force && (await redis.exists(k.idx))) return { built: false, reason: "ready" };
  const token = tokenOf();
  if ((await redis.mtBuildStart(EPOCH_KEY, k.lock, k.build, k.touched, e, token, BUILD_LOCK_MS)) !== 1) {
    return { built: false, reason: "locked" };
  }
  // Another builder may have finished between the check and the lock.
  if (!options.force && (await redis.exists(k.idx))) {
    await redis.del(k.lock);
    return { built: false, reason: "ready" };
  }
  const batchSize = options.batchSize ?? 5_000;
  let rows = 0;
  let afterId = "0";
  for (;;) {
    const batch = await readBatch(afterId, batchSize);
    await options.afterBatchRead?.(batch);
    if (batch.length > 0) {
      const args: string[] = [];
      for (const row of batch) args.push(row.createdMicros, indexMember(row.id), row.expiresAtMs ?? "");
      const ok = await redis.mtBuildBatch(k.lock, k.build, k.touched, k.exp, token, BUILD_LOCK_MS, ...args);
      if (ok !== 1) return { built: false, reason: "lost-lock" };
      rows += batch.length;
      afterId = batch.at(-1)?.id ?? afterId;
    }
    if (batch.length < batchSize) break;
    // Let requests sharing this process run between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const ms = Math.round(performance.now() - started);
  const finished = await redis.mtBuildFinish(
    EPOCH_KEY,
    k.lock,
    k.build,
    k.touched,
    k.idx,
    k.meta,
    STATS_KEY,
    e,
    token,
    rows,
    ms,
    new Date().toISOString(),
  );
  if (finished !== 1) return { built: false, reason: "lost-lock" };
  // Counted in mt:stats by the finishing script itself, so not through count().
  localStats.rebuilds += 1;
  return { built: true, rows, ms };
}

let indexReader: ((afterId: string, limit: number) => Promise<IndexRow[]>) | undefined;
let kicking = false;

/** How a background rebuild reads PostgreSQL; registered by the task service (cache.ts runs no SQL). */
export function setIndexReader(reader: (afterId: string, limit: number) => Promise<IndexRow[]>): void {
  indexReader = reader;
}

/**
 * Starts a rebuild after the current request has moved on (a timer, not an await), at most one per
 * process and one overall (the lock). The scheduled `maintain` function is the backstop.
 */
export function kickIndexRebuild(options: Omit<RebuildOptions, "afterBatchRead"> = {}): void {
  if (kicking || !indexReader || !config.CACHE_BACKGROUND_REBUILD) return;
  const reader = indexReader;
  kicking = true;
  setTimeout(() => {
    rebuildIndex(reader, options)
      .catch(() => {})
      .finally(() => {
        kicking = false;
      });
  }, 0).unref();
}

/**
 * For bulk loads that bypass the write path (seeding): every cached entry, page and the index are
 * dropped at once by moving the epoch (O(1), no KEYS/SCAN); the index is rebuilt in the background.
 */
export async function invalidateAll(kick = true): Promise<boolean> {
  if (!getClient()) return false;
  try {
    const redis = await availableRedis<CacheCommands>();
    if (!redis) throw new Error("redis unavailable");
    await invalidateEpoch(redis);
    if (kick) kickIndexRebuild();
    return true;
  } catch {
    mustInvalidate = true;
    scheduleRecovery();
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Query (page) cache

const inFlight = new Map<string, Promise<string>>();

/**
 * Bodies this process has already read or built, by Redis key. Redis keeps the truth; a memo entry
 * only saves fetching the same body again while its key is current: the key names the epoch and the
 * generation, which every write replaces before it answers, so a body found under the current key
 * is the one Redis holds. It is kept no longer than Redis keeps it (TTL, next task expiry).
 */
const MEMO_MAX_ENTRIES = 200;
const MEMO_MAX_BYTES = 64 * 1024;
const memo = new Map<string, { body: string; validUntilMs: number }>();

function memoGet(valueKey: string): string | undefined {
  const entry = memo.get(valueKey);
  if (!entry) return undefined;
  if (Date.now() >= entry.validUntilMs) {
    memo.delete(valueKey);
    return undefined;
  }
  return entry.body;
}

function memoSet(valueKey: string, body: string, ttlMs: number): void {
  if (body.length > MEMO_MAX_BYTES || ttlMs <= 0) return;
  setNewest(memo, valueKey, { body, validUntilMs: Date.now() + ttlMs }, MEMO_MAX_ENTRIES);
}

export interface Loaded {
  body: string;
  /** Instant (ms) after which the body may be wrong without any write (the next task expiry). */
  validUntilMs: number | null;
}

/**
 * A response body cached under the normalised query and the current generation. Every write moves
 * the generation, so older pages are simply never read again and age out by TTL. Misses are
 * single-flight within the process (a map of promises) and across processes (a short fill lock
 * that others wait on briefly before querying themselves). A body this process already holds for
 * the current key costs one round trip (epoch and generation); otherwise two.
 */
export async function cachedQuery(normalized: string, load: () => Promise<Loaded>): Promise<string> {
  const redis = await available();
  if (!redis) {
    outcome("bypass");
    return (await load()).body;
  }
  let located: { e: string; gen: string; body: string | null } | undefined;
  try {
    located = await timed(async () => {
      const e = await currentEpoch(redis);
      const k = keys(e);
      let [seenEpoch, gen] = await redis.mget(EPOCH_KEY, k.gen);
      if (seenEpoch !== e) {
        epoch = undefined;
        throw new Error("epoch moved");
      }
      if (!gen) {
        await redis.set(k.gen, tokenOf(), "NX");
        gen = (await redis.get(k.gen)) ?? tokenOf();
      }
      const valueKey = k.query(gen, normalized);
      const remembered = memoGet(valueKey);
      if (remembered !== undefined) return { e, gen, body: remembered };
      const [[, body], [, ttl]] = (await redis.multi().get(valueKey).pttl(valueKey).exec()) as [
        [unknown, string | null],
        [unknown, number],
      ];
      if (body !== null) memoSet(valueKey, body, ttl);
      return { e, gen, body };
    });
  } catch {
    located = undefined;
  }
  if (!located) {
    outcome("bypass");
    return (await load()).body;
  }
  if (located.body !== null) {
    outcome("hit");
    return located.body;
  }
  outcome("miss");
  const k = keys(located.e);
  const valueKey = k.query(located.gen, normalized);
  const flight = inFlight.get(valueKey);
  if (flight) return flight;
  const promise = (async () => {
    const lockKey = k.queryFill(located.gen, normalized);
    const leader = await redis.set(lockKey, "1", "PX", QUERY_FILL_LOCK_MS, "NX").catch(() => "OK");
    if (leader !== "OK") {
      for (let wait = 0; wait < 5; wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const body = await redis.get(valueKey).catch(() => null);
        if (body !== null) return body;
      }
    }
    try {
      count("queryLoads");
      const loaded = await load();
      const ttl = entryTtlMs(config.CACHE_QUERY_TTL_SECONDS, loaded.validUntilMs);
      if (ttl > 0) {
        const stored = await timed(() => redis.set(valueKey, loaded.body, "PX", ttl)).catch(() => null);
        if (stored === "OK") memoSet(valueKey, loaded.body, ttl);
      }
      return loaded.body;
    } finally {
      redis.del(lockKey).catch(() => {});
    }
  })();
  inFlight.set(valueKey, promise);
  try {
    return await promise;
  } finally {
    inFlight.delete(valueKey);
  }
}

// ---------------------------------------------------------------------------------------------
// Health and stats

export interface CacheHealth {
  state: "ok" | "degraded" | "disabled";
  ms?: number;
  index?: { ready: boolean; size: number | null; building: boolean; builtAt?: string; buildMs?: number };
  memory?: { usedBytes: number; maxBytes: number; policy: string };
  stats: { process: typeof localStats; total: Record<string, number> | null };
}

export async function cacheHealth(): Promise<CacheHealth> {
  const stats = { process: { ...localStats }, total: null as Record<string, number> | null };
  if (!config.REDIS_URL) return { state: "disabled", stats };
  if (!getClient()) return { state: "disabled", stats };
  const redis = await availableRedis<CacheCommands>();
  const started = performance.now();
  try {
    if (!redis || mustInvalidate) throw new Error("down");
    // Not the epoch this process last used: health must describe what readers see now.
    epoch = undefined;
    const e = await currentEpoch(redis);
    const k = keys(e);
    const pipeline = redis.pipeline();
    pipeline.zcard(k.idx).exists(k.lock).hgetall(k.meta).hgetall(STATS_KEY).info("memory");
    const results = (await pipeline.exec()) ?? [];
    const [size, building, meta, total, info] = results.map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [number, number, Record<string, string>, Record<string, string>, string];
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();
    stats.total = Object.fromEntries(Object.entries(total).map(([name, n]) => [name, Number(n)]));
    return {
      state: "ok",
      ms: Math.round((performance.now() - started) * 10) / 10,
      index: {
        ready: size > 0,
        size: size > 0 ? size - 1 : null,
        building: building === 1,
        ...(meta.builtAt ? { builtAt: meta.builtAt, buildMs: Number(meta.ms) } : {}),
      },
      memory: {
        usedBytes: Number(field("used_memory") ?? 0),
        maxBytes: Number(field("maxmemory") ?? 0),
        policy: field("maxmemory_policy") ?? "unknown",
      },
      stats,
    };
  } catch {
    return { state: "degraded", ms: Math.round((performance.now() - started) * 10) / 10, stats };
  }
}

/** Every id in the index in its order (diagnostics and tests; O(n)), or undefined without one. */
export async function indexSnapshot(direction: "asc" | "desc" = "desc"): Promise<string[] | undefined> {
  const redis = await available();
  if (!redis) return undefined;
  epoch = undefined;
  const k = keys(await currentEpoch(redis));
  if (!(await redis.exists(k.idx))) return undefined;
  const members =
    direction === "desc" ? await redis.zrevrange(k.idx, 0, -2) : await redis.zrange(k.idx, "1", "-1");
  return members.map(memberId);
}

/** Closes the connection (tests and scripts); the next use reconnects. */
export async function closeCache(): Promise<void> {
  epoch = undefined;
  await closeRedis();
}
