// Every key the cache uses, and the pure helpers that name things in Redis (unit-tested).
//
// Key layout (D = the database's identity, E = epoch token, G = generation token; see CACHE.md):
//   {mt:D}:epoch             current epoch of database D; replacing it invalidates every key below at
//                            once; "retired" once a replacing seed rotated D away (state.ts)
//   {mt:D}:stats             hash of hit/miss/partial/bypass/fill/rebuild counters (all processes)
//   {mt:D}:qs:<hash>         a query asked recently: its page is stored only when asked again (admission);
//                            how often a query is asked is no data, so it outlives epochs
//   {mt:D}:ts                a bitmap of task ids missed recently (a bit per id modulo 2^24), so
//                            an entry is stored on its second miss (admission); expires as a whole
//   {mt:D}:E:t:<id>          a task entry (entries.ts), or "D" (tombstone) after a delete
//   {mt:D}:E:gen             generation, replaced by every write; query pages are keyed by it
//   {mt:D}:E:q:G:<hash>      a cached response body for a normalised query; {mt:D}:E:qf:G:<hash> its fill lock
//   {mt:D}:E:idx             sorted set of live tasks by created_at (score, µs) then id (member)
//   {mt:D}:E:idx:exp         sorted set of indexed tasks by expires_at (ms): removed at their instant
//   {mt:D}:E:idx:build|touched|lock|meta   the background rebuild's work set, touched ids, lock and info
// D comes from the database itself (platform/database-identity.ts), so two databases behind one
// Redis, a restored dump or a recreated volume never share a key. The live feed's keys
// ({mt:live:L}:*) are named in functions/src/live/keys.ts.
//
// Redis Cluster (issue 18): `{mt:D}` is a hash tag, so every key of a database hashes to one slot.
// The write script touches the epoch, an entry, the generation and five index keys at once, every
// read checks the epoch in the same MGET or script as its data, and the rebuild renames its work set
// over the index: all of that is one slot or a CROSSSLOT error. The price is that one database's
// cache lives on one shard of a cluster (the cluster still brings failover, and separates databases).
import { createHash, randomBytes } from "node:crypto";

/** The value an epoch key holds once its database identity was rotated away. */
export const RETIRED = "retired";

/**
 * What every key of database `db` starts with: a hash tag, so a cluster keeps them in one slot (the
 * new-epoch script also unlinks an old epoch's structural keys under it).
 */
export const epochPrefix = (db: string): string => `{mt:${db}}:`;
export const epochKey = (db: string): string => `${epochPrefix(db)}epoch`;
export const statsKey = (db: string): string => `${epochPrefix(db)}stats`;

/** A key space: a database identity and the epoch current in it. */
export interface KeySpace {
  db: string;
  epoch: string;
}

export const cacheKeys = ({ db, epoch }: KeySpace) => {
  const p = `${epochPrefix(db)}${epoch}`;
  return {
    epoch: epochKey(db),
    stats: statsKey(db),
    task: (id: string) => `${p}:t:${id}`,
    gen: `${p}:gen`,
    query: (gen: string, key: string) => `${p}:q:${gen}:${key}`,
    queryFill: (gen: string, key: string) => `${p}:qf:${gen}:${key}`,
    querySeen: (key: string) => `${epochPrefix(db)}qs:${key}`,
    taskSeen: `${epochPrefix(db)}ts`,
    idx: `${p}:idx`,
    exp: `${p}:idx:exp`,
    build: `${p}:idx:build`,
    touched: `${p}:idx:touched`,
    lock: `${p}:idx:lock`,
    meta: `${p}:idx:meta`,
  };
};
export type CacheKeys = ReturnType<typeof cacheKeys>;

/** The keys the write script touches for one task, in the order the script reads them. */
export function writeKeys(k: CacheKeys, id: string): string[] {
  return [k.epoch, k.task(id), k.gen, k.idx, k.build, k.lock, k.touched, k.exp];
}

/** The doorkeeper bit of a task id: 2^24 bits (2 MB) whatever the ids, shared by ids 2^24 apart. */
export const taskSeenBit = (id: string): number => Number(BigInt(id) % 16_777_216n);

export const newToken = (): string => randomBytes(6).toString("base64url");

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
