// Whole response bodies for orderings, filters and searches the position index does not serve,
// keyed by the normalised query and the generation every write replaces (no KEYS/SCAN deletes).
import { setNewest } from "../platform/bounded-map";
import { config } from "../platform/config";
import { onPrimary } from "../platform/db";
import { failoverCount } from "../platform/redis";
import { entryTtlMs } from "./entries";
import { cacheKeys, type KeySpace, newToken } from "./keys";
import { EPOCH_MOVED, inCurrentEpoch, timed, usableClient } from "./state";
import { count, outcome } from "./stats";

const QUERY_FILL_LOCK_MS = 2_000;
/**
 * Admission (issue 11, finding 7): a page is stored only when its query was already asked within
 * this window. Before, every distinct query stored its page for 10 minutes: 200 one-off requests
 * added 19.7 MB to Redis. A first ask now leaves a marker of ~100 B; the numbers are in
 * query-cache-admission.test.ts.
 */
export const QUERY_ADMIT_WINDOW_MS = 10 * 60_000;

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
  const redis = await usableClient();
  if (!redis) {
    outcome("bypass");
    return (await load()).body;
  }
  let located: { space: KeySpace; gen: string; body: string | null } | undefined;
  try {
    // One try: a moved epoch (an invalidation just now) is answered from PostgreSQL this time.
    located = await timed(() =>
      inCurrentEpoch(redis, 1, async (space) => {
        const k = cacheKeys(space);
        let [seenEpoch, gen] = await redis.mget(k.epoch, k.gen);
        if (seenEpoch !== space.epoch) return EPOCH_MOVED;
        if (!gen) {
          await redis.set(k.gen, newToken(), "NX");
          gen = (await redis.get(k.gen)) ?? newToken();
        }
        const valueKey = k.query(gen, normalized);
        const remembered = memoGet(valueKey);
        if (remembered !== undefined) return { space, gen, body: remembered };
        const [[, body], [, ttl]] = (await redis.multi().get(valueKey).pttl(valueKey).exec()) as [
          [unknown, string | null],
          [unknown, number],
        ];
        if (body !== null) memoSet(valueKey, body, ttl);
        return { space, gen, body };
      }),
    );
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
  const k = cacheKeys(located.space);
  const valueKey = k.query(located.gen, normalized);
  const flight = inFlight.get(valueKey);
  if (flight) return flight;
  const promise = (async () => {
    const lockKey = k.queryFill(located.gen, normalized);
    // One round trip: the fill lock, and whether this query was asked before within the window.
    const [leader, firstAsk] = await redis
      .pipeline()
      .set(lockKey, "1", "PX", QUERY_FILL_LOCK_MS, "NX")
      .set(k.querySeen(normalized), "1", "PX", QUERY_ADMIT_WINDOW_MS, "NX")
      .exec()
      .then(
        (results) => (results ?? []).map(([error, value]) => (error ? "OK" : value)),
        () => ["OK", "OK"],
      );
    if (leader !== "OK") {
      const failovers = failoverCount();
      for (let wait = 0; wait < 5; wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const body = await redis.get(valueKey).catch(() => null);
        // Across a cluster failover the page may come from a replica that missed later writes.
        if (body !== null && failoverCount() === failovers) return body;
      }
    }
    try {
      count("queryLoads");
      // A page that will be stored is read from the primary (a replica's lag would outlive itself in
      // Redis); a first ask, which is not stored, may read a replica.
      const stores = firstAsk !== "OK";
      const loaded = stores ? await onPrimary(load) : await load();
      const ttl = entryTtlMs(config.CACHE_QUERY_TTL_SECONDS, loaded.validUntilMs);
      if (ttl > 0 && stores) {
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
