// Every key the cache uses, and the pure helpers that name things in Redis (unit-tested).
//
// Key layout (E = epoch token, G = generation token; see CACHE.md for the reasoning):
//   mt:epoch                 current epoch; replacing it invalidates every key below at once
//   mt:stats                 hash of hit/miss/partial/bypass/fill/rebuild counters (all processes)
//   mt:E:t:<id>              a task entry (entries.ts), or "D" (tombstone) after a delete
//   mt:E:gen                 generation, replaced by every write; query pages are keyed by it
//   mt:E:q:G:<hash>          a cached response body for a normalised query; mt:E:qf:G:<hash> its fill lock
//   mt:E:idx                 sorted set of live tasks by created_at (score, µs) then id (member)
//   mt:E:idx:exp             sorted set of indexed tasks by expires_at (ms): removed at their instant
//   mt:E:idx:build|touched|lock|meta   the background rebuild's work set, touched ids, lock and info
// The live feed's keys (mt:live:*) belong to functions/src/live/store.ts.
import { createHash, randomBytes } from "node:crypto";

export const EPOCH_KEY = "mt:epoch";
export const STATS_KEY = "mt:stats";

export const cacheKeys = (e: string) => ({
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
export type CacheKeys = ReturnType<typeof cacheKeys>;

/** The keys the write script touches for one task, in the order the script reads them. */
export function writeKeys(k: CacheKeys, id: string): string[] {
  return [EPOCH_KEY, k.task(id), k.gen, k.idx, k.build, k.lock, k.touched, k.exp];
}

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
