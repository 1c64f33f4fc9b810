// Whole response bodies for orderings, filters and searches the position index does not serve,
// keyed by the normalised query and the generation every write replaces (no KEYS/SCAN deletes).
import { setNewest } from "../platform/bounded-map";
import { config } from "../platform/config";
import { onPrimary } from "../platform/db";
import { failoverCount } from "../platform/redis";
import { entryTtlMs } from "./entries";
import { cacheKeys, type KeySpace, newToken } from "./keys";
import type { CacheClient } from "./scripts";
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
 * The generation this process saw last, per key space: the read script names the page keys after
 * it, so a read costs one round trip unless a write moved the generation since (then two).
 */
let lastGen: { epoch: string; gen: string } | undefined;

type Located =
  | { space: KeySpace; gen: string; body: string }
  | { space: KeySpace; gen: string; body: null; leader: boolean; seenBefore: boolean };

/** The script's answer for `normalized`, asking again when the generation turned out another. */
async function locate(
  redis: CacheClient,
  space: KeySpace,
  normalized: string,
): Promise<Located | typeof EPOCH_MOVED> {
  const k = cacheKeys(space);
  let gen = lastGen?.epoch === space.epoch ? lastGen.gen : "";
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const valueKey = k.query(gen, normalized);
    const remembered = gen ? memoGet(valueKey) : undefined;
    const [code, first, second] = await redis.mtQueryRead(
      k.epoch,
      k.gen,
      valueKey,
      k.queryFill(gen, normalized),
      k.querySeen(normalized),
      space.epoch,
      gen,
      remembered === undefined ? "0" : "1",
      QUERY_FILL_LOCK_MS,
      QUERY_ADMIT_WINDOW_MS,
      newToken(),
    );
    if (code === 0) return EPOCH_MOVED;
    if (code === 1) {
      gen = String(first);
      lastGen = { epoch: space.epoch, gen };
      continue;
    }
    if (code === 2 && remembered !== undefined) return { space, gen, body: remembered };
    if (code === 3) {
      const body = String(first);
      memoSet(valueKey, body, Number(second));
      return { space, gen, body };
    }
    return { space, gen, body: null, leader: first === 1, seenBefore: second === 1 };
  }
  // The generation moved at every try (writes racing): this read goes to PostgreSQL.
  throw new Error("the generation kept moving");
}

/**
 * A response body cached under the normalised query and the current generation. Every write moves
 * the generation, so older pages are simply never read again and age out by TTL. Misses are
 * single-flight within the process (a map of promises) and across processes (a short fill lock
 * that others wait on briefly before querying themselves). Issue 15: one round trip before
 * PostgreSQL (epoch, generation, page, fill lock and admission marker in one script) and at most
 * one after (store the page, drop the lock); a body this process already holds for the current
 * key is not sent again.
 */
export async function cachedQuery(
  normalized: string,
  load: (gen: string | undefined) => Promise<Loaded>,
): Promise<string> {
  const redis = await usableClient();
  if (!redis) {
    outcome("bypass");
    return (await load(undefined)).body;
  }
  let located: Located | undefined;
  try {
    // One try: a moved epoch (an invalidation just now) is answered from PostgreSQL this time.
    located = await timed(() => inCurrentEpoch(redis, 1, (space) => locate(redis, space, normalized)));
  } catch {
    located = undefined;
  }
  if (!located) {
    outcome("bypass");
    return (await load(undefined)).body;
  }
  if (located.body !== null) {
    outcome("hit");
    return located.body;
  }
  outcome("miss");
  const { gen, leader, seenBefore } = located;
  const k = cacheKeys(located.space);
  const valueKey = k.query(gen, normalized);
  const flight = inFlight.get(valueKey);
  if (flight) return flight;
  const promise = (async () => {
    const lockKey = k.queryFill(gen, normalized);
    if (!leader) {
      const failovers = failoverCount();
      for (let wait = 0; wait < 5; wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const body = await redis.get(valueKey).catch(() => null);
        // Across a cluster failover the page may come from a replica that missed later writes.
        if (body !== null && failoverCount() === failovers) return body;
      }
    }
    count("queryLoads");
    let loaded: Loaded;
    try {
      // A page that will be stored is read from the primary (a replica's lag would outlive itself in
      // Redis); a first ask, which is not stored, may read a replica.
      loaded = seenBefore ? await onPrimary(() => load(gen)) : await load(gen);
    } catch (error) {
      if (leader) redis.del(lockKey).catch(() => {});
      throw error;
    }
    const ttl = entryTtlMs(config.CACHE_QUERY_TTL_SECONDS, loaded.validUntilMs);
    const store = ttl > 0 && seenBefore;
    if (store || leader) {
      // One round trip after PostgreSQL: the page (when admitted) and the fill lock.
      const after = redis.pipeline();
      if (store) after.set(valueKey, loaded.body, "PX", ttl);
      if (leader) after.del(lockKey);
      const results = await timed(() => after.exec()).catch(() => null);
      if (store && results?.[0]?.[1] === "OK") memoSet(valueKey, loaded.body, ttl);
    }
    return loaded.body;
  })();
  inFlight.set(valueKey, promise);
  try {
    return await promise;
  } finally {
    inFlight.delete(valueKey);
  }
}
