// The cache's Lua scripts: each is one atomic step, so a rebuild, a write and a read can interleave
// only between steps, and the rules in CACHE.md hold at every step boundary. A task entry starts
// with its version (see entries.ts), which is all a script ever reads of it.
import type Redis from "ioredis";

/** Shared by write and refill: a tombstone or a newer version is never overwritten. */
const LUA_NEWER = `
local function newer(cur, version)
  if not cur then return true end
  if cur == 'D' then return false end
  local v = tonumber(string.match(cur, '^(%d+) '))
  return (not v) or v < version
end`;

/**
 * Shared by the write scripts: what Redis can store as a TTL (whole ms, up to a day) and as a score
 * (a finite number), checked before anything is written.
 */
const LUA_CHECKS = `
local function whole(s) local n = tonumber(s) return n and n == n and n >= 1 and n <= 86400000 and n == math.floor(n) end
local function num(s) local n = tonumber(s) return n and n == n and n > -math.huge and n < math.huge end`;

export const CACHE_SCRIPTS = {
  // KEYS epoch task. ARGV epochSeenByTheRead entry version ttlMs
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
  // ARGV epoch op(put|del|unindex|forget) entry version ttlMs member score expMs newGen tombTtlMs
  // -> {1} done, {0, epoch} epoch moved, {2} refused: an argument Redis could not store, checked
  // before anything is written (a Lua error midway would keep the writes made before it).
  // forget: the task's facts could not be put in Redis, so its entry goes and the index with it
  // (rebuilt in the background from PostgreSQL); everything else stays.
  mtWrite: {
    numberOfKeys: 8,
    lua: `${LUA_NEWER}
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return {0, epoch or ''} end
local op, member = ARGV[2], ARGV[6]
${LUA_CHECKS}
if op == 'put' and not (num(ARGV[4]) and whole(ARGV[5]) and num(ARGV[7]) and (ARGV[8] == '' or num(ARGV[8]))) then
  return {2} end
if op == 'del' and not whole(ARGV[10]) then return {2} end
if op == 'forget' then
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[3], ARGV[9])
  redis.call('DEL', KEYS[4], KEYS[8], KEYS[5], KEYS[6], KEYS[7])
  return {1}
end
if op == 'put' then
  local cur = redis.call('GET', KEYS[2])
  if cur == 'D' then op = 'stale' else
    local v = cur and tonumber(string.match(cur, '^(%d+) '))
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
  // KEYS epoch gen idx build lock touched exp
  // ARGV epoch taskKeyPrefix newGen tombTtlMs, then per task: op(put|del|forget) id member entry
  //   version ttlMs score expMs
  // -> {1} done, {0, epoch} epoch moved. mtWrite's rules for many tasks at once (a bulk job's chunk):
  // each entry is never put over a newer version or a tombstone, the generation moves once, and the
  // epoch, lock and index are looked up once instead of per task. A task whose facts Redis could
  // not store is forgotten, and the index with it, exactly as mtWrite forgets one. The entry keys
  // are the prefix plus the id (the declared keys' hash slot, as in mtIndexRead).
  mtWriteMany: {
    numberOfKeys: 7,
    lua: `
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return {0, epoch or ''} end
local prefix, tombTtl = ARGV[2], ARGV[4]
${LUA_CHECKS}
local building = redis.call('EXISTS', KEYS[5]) == 1
local indexed = redis.call('EXISTS', KEYS[3]) == 1
local forgot = false
for i = 5, #ARGV, 8 do
  local op, key, member = ARGV[i], prefix .. ARGV[i + 1], ARGV[i + 2]
  local entry, version, ttl, score, expMs = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
  if op == 'put' and not (num(version) and whole(ttl) and num(score) and (expMs == '' or num(expMs))) then op = 'forget' end
  if op == 'del' and not whole(tombTtl) then op = 'forget' end
  if op == 'forget' then
    redis.call('DEL', key)
    forgot = true
  elseif op == 'put' then
    local cur = redis.call('GET', key)
    local v = cur and cur ~= 'D' and tonumber(string.match(cur, '^(%d+) '))
    if cur ~= 'D' and not (v and v > tonumber(version)) then
      if not v or v < tonumber(version) then redis.call('SET', key, entry, 'PX', ttl) end
      if building then redis.call('SADD', KEYS[6], member) redis.call('ZADD', KEYS[4], score, member) end
      if indexed then redis.call('ZADD', KEYS[3], score, member) end
      if expMs ~= '' then redis.call('ZADD', KEYS[7], expMs, member) else redis.call('ZREM', KEYS[7], member) end
    end
  else
    redis.call('SET', key, 'D', 'PX', tombTtl)
    if building then redis.call('SADD', KEYS[6], member) redis.call('ZREM', KEYS[4], member) end
    redis.call('ZREM', KEYS[3], member)
    redis.call('ZREM', KEYS[7], member)
  end
end
redis.call('SET', KEYS[2], ARGV[3])
if forgot then redis.call('DEL', KEYS[3], KEYS[7], KEYS[4], KEYS[5], KEYS[6]) end
return {1}`,
  },
  // KEYS epoch idx exp taskSeen. ARGV epoch nowMs dir(desc|asc) mode(pos|after|before) arg count
  //   taskKeyPrefix windowMs
  // -> {-9} epoch moved, {-1} no index, {-2} too many expiries to sweep now, {-3} anchor gone,
  //    else {total, start, members, entries}: with the slice, each member's task entry, or for a
  //    miss 0 (first miss) / 1 (missed before), as mtTaskRead answers (issue 15: one round trip
  //    before PostgreSQL for a jump). The entry keys are the prefix plus the id: the same key space
  //    as the index (under Redis Cluster, the same hash slot as the declared keys).
  mtIndexRead: {
    numberOfKeys: 4,
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
local entries = {}
local marked = false
for i, member in ipairs(members) do
  local id = string.sub(member, 2)
  local value = redis.call('GET', ARGV[7] .. id)
  if value then entries[i] = value else
    entries[i] = redis.call('SETBIT', KEYS[4], tonumber(id) % 16777216, 1)
    marked = true
  end
end
if marked then redis.call('PEXPIRE', KEYS[4], ARGV[8], 'NX') end
return {n, start, members, entries}`,
  },
  // KEYS epoch gen page fillLock seen. ARGV epoch gen memoized lockMs admitMs freshGen
  // The query cache's one round trip before PostgreSQL (issue 15): the epoch and generation checks,
  // the page (unless this process holds it already), and on a miss the fill lock and the admission
  // marker. The page keys are named after the generation the caller expects (the last one it saw);
  // -> {0} epoch moved, {1, gen} the generation is another (the caller asks again with it),
  //    {2} current and memoized, {3, page, pttl} a hit, {4, leader 0|1, seenBefore 0|1} a miss.
  mtQueryRead: {
    numberOfKeys: 5,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
local gen = redis.call('GET', KEYS[2])
if not gen then
  redis.call('SET', KEYS[2], ARGV[6])
  return {1, ARGV[6]}
end
if gen ~= ARGV[2] then return {1, gen} end
if ARGV[3] == '1' then return {2} end
local page = redis.call('GET', KEYS[3])
if page then return {3, page, redis.call('PTTL', KEYS[3])} end
local leader = redis.call('SET', KEYS[4], '1', 'PX', ARGV[4], 'NX') and 1 or 0
local seen = redis.call('SET', KEYS[5], '1', 'PX', ARGV[5], 'NX') and 0 or 1
return {4, leader, seen}`,
  },
  // KEYS epoch seen task... ARGV windowMs bit... (one per task key)
  // One MGET that also answers, for every miss, whether that task was missed before within the
  // window (a bit per id in one bitmap that expires as a whole: a doorkeeper), so that a refill
  // stores only tasks asked for twice. -> {epoch, then per task its entry, or 0 (first miss) or 1}
  mtTaskRead: {
    lua: `
local out = {redis.call('GET', KEYS[1]) or ''}
local marked = false
for i = 3, #KEYS do
  local value = redis.call('GET', KEYS[i])
  if value then out[i - 1] = value else
    out[i - 1] = redis.call('SETBIT', KEYS[2], ARGV[i - 1], 1)
    marked = true
  end
end
if marked then redis.call('PEXPIRE', KEYS[2], ARGV[1], 'NX') end
return out`,
  },
  // KEYS epoch lock build touched. ARGV epoch token lockMs
  // UNLINK, not DEL: an aborted build may have left millions of members, which DEL would free
  // inside the script, keeping Redis from every other client meanwhile.
  mtBuildStart: {
    numberOfKeys: 4,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -9 end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 0 end
redis.call('UNLINK', KEYS[3], KEYS[4])
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
  // The old index is unlinked before the RENAME, which would otherwise free it inside the script (a
  // forced rebuild of 10M tasks). The meta names the builder (its token), so one whose finishing
  // call timed out after running can tell it finished.
  mtBuildFinish: {
    numberOfKeys: 7,
    lua: `
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then redis.call('UNLINK', KEYS[2], KEYS[3], KEYS[4]) return -9 end
redis.call('ZADD', KEYS[3], '-inf', '0')
redis.call('UNLINK', KEYS[5])
redis.call('RENAME', KEYS[3], KEYS[5])
redis.call('DEL', KEYS[4], KEYS[2])
redis.call('HSET', KEYS[6], 'rows', ARGV[3], 'ms', ARGV[4], 'builtAt', ARGV[5], 'builder', ARGV[2])
redis.call('HINCRBY', KEYS[7], 'rebuilds', 1)
return 1`,
  },
  // KEYS epoch. ARGV newEpoch prefix ("{mt:<db>}:"): the old epoch's structural keys are named here
  // (undeclared, but under the epoch key's hash tag, so in its slot: a cluster runs the script)
  mtNewEpoch: {
    numberOfKeys: 1,
    lua: `
local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
if old and old ~= 'retired' then
  local p = ARGV[2] .. old
  redis.call('UNLINK', p .. ':idx', p .. ':idx:exp', p .. ':idx:build', p .. ':idx:touched',
    p .. ':idx:lock', p .. ':idx:meta', p .. ':gen')
end
return old or ''`,
  },
} as const;

export interface CacheCommands {
  mtFill(
    epochKey: string,
    task: string,
    epoch: string,
    entry: string,
    version: number,
    ttlMs: number,
  ): Promise<number>;
  mtWrite(...args: (string | number)[]): Promise<[number, string?]>;
  mtWriteMany(...args: (string | number)[]): Promise<[number, string?]>;
  mtIndexRead(...args: (string | number)[]): Promise<[number, number?, string[]?, (string | number)[]?]>;
  mtQueryRead(...args: (string | number)[]): Promise<[number, (string | number)?, number?]>;
  mtTaskRead(numberOfKeys: number, ...args: (string | number)[]): Promise<(string | number)[]>;
  mtBuildStart(...args: (string | number)[]): Promise<number>;
  mtBuildBatch(...args: (string | number)[]): Promise<number>;
  mtBuildFinish(...args: (string | number)[]): Promise<number>;
  mtNewEpoch(epochKey: string, epoch: string, prefix: string): Promise<string>;
}

export type CacheClient = Redis & CacheCommands;
