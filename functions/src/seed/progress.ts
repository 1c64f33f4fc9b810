// How far a running bulk load is, read from the rows the seed function records as it goes (chunks
// loaded, indexes built): the same answer for the site (GET /seed/status), for `npm start`'s
// terminal and for a load started from another terminal with `npm run seed`.
import type { SeedProgress } from "#contract/seed";
import { getPool, type Queryable, query } from "../platform/db";

export type { SeedProgress };

/**
 * Building indexes, fences and the swap takes about this many times as long as COPYing the rows:
 * 1,000,000 tasks on the embedded PostgreSQL, 2 busy cores: rows ~22 s, the rest ~67 s (3.1);
 * 10,000,000 on a server: 31 s against 113 s (3.6). The estimate weighs the two phases with it.
 */
export const BUILD_PER_LOAD = 3.2;
/** `npm run seed` and `npm start` load two chunks at a time (SeedClient's default concurrency). */
const CONCURRENCY = 2;
/** A load whose statements have stopped and that recorded nothing for this long is dead, not running. */
const STALLED_AFTER_S = 60;

interface ProgressRow {
  load_id: string;
  mode: "replace" | "append";
  count: string;
  rows_loaded: string;
  chunks: number;
  chunks_loaded: number;
  elapsed_ms: number;
  last_chunk_ms: number | null;
}

/** The newest load still running, or null when none is. */
export async function seedProgress(db: Queryable = getPool()): Promise<SeedProgress | null> {
  const result = await query<ProgressRow>(
    `select l.load_id, l.mode, l.count, c.rows_loaded, c.chunks_loaded,
            ceil(l.count::numeric / l.chunk_rows)::int as chunks,
            extract(epoch from clock_timestamp() - l.created_at) * 1000 as elapsed_ms,
            extract(epoch from c.last_loaded - l.created_at) * 1000 as last_chunk_ms
     from seed_loads l
     cross join lateral (
       select coalesce(sum(rows), 0) as rows_loaded, count(*)::int as chunks_loaded, max(loaded_at) as last_loaded
       from seed_load_chunks where load_id = l.load_id
     ) c
     where l.state = 'loading'
       and (exists (select 1 from pg_stat_activity where application_name = 'seed:' || l.load_id)
            or greatest(l.created_at, c.last_loaded,
                        (select max(built_at) from seed_load_indexes where load_id = l.load_id))
               > clock_timestamp() - make_interval(secs => $1))
     order by l.created_at desc
     limit 1`,
    [STALLED_AFTER_S],
    db,
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    state: "loading",
    loadId: row.load_id,
    mode: row.mode,
    ...estimate({
      count: Number(row.count),
      rowsLoaded: Number(row.rows_loaded),
      chunks: row.chunks,
      chunksLoaded: row.chunks_loaded,
      elapsedMs: Number(row.elapsed_ms),
      lastChunkMs: row.last_chunk_ms === null ? null : Number(row.last_chunk_ms),
    }),
  };
}

export interface ProgressFacts {
  count: number;
  rowsLoaded: number;
  chunks: number;
  chunksLoaded: number;
  elapsedMs: number;
  /** When the last chunk's transaction began (its row is stamped then), from the load's start. */
  lastChunkMs: number | null;
}

/** Pure: phase, fraction and time left from what the load has recorded so far. */
export function estimate(facts: ProgressFacts): Omit<SeedProgress, "state" | "loadId" | "mode"> {
  const { count, rowsLoaded, chunks, elapsedMs } = facts;
  const common = { count, rowsLoaded, elapsedMs: Math.round(elapsedMs) };
  if (facts.chunksLoaded < chunks || facts.lastChunkMs === null) {
    const loaded = count === 0 ? 0 : rowsLoaded / count;
    // Until the first chunk lands there is no rate: say nothing rather than guess.
    const totalMs = loaded > 0 ? (elapsedMs / loaded) * (1 + BUILD_PER_LOAD) : null;
    return {
      ...common,
      phase: "load",
      fraction: loaded / (1 + BUILD_PER_LOAD),
      etaMs: totalMs === null ? null : Math.max(1_000, Math.round(totalMs - elapsedMs)),
    };
  }
  // The last chunks began when the load phase was (chunks - CONCURRENCY) / chunks through.
  const loadMs = Math.max(
    (facts.lastChunkMs * chunks) / Math.max(1, chunks - CONCURRENCY),
    // Two chunks or fewer start at once: their start says nothing; assume the load just ended.
    chunks <= CONCURRENCY ? elapsedMs / (1 + BUILD_PER_LOAD) : 0,
  );
  const totalMs = Math.max(loadMs * (1 + BUILD_PER_LOAD), 1);
  return {
    ...common,
    phase: "build",
    // Past the expected time it stays at 99% rather than claim to be done before the swap.
    fraction: Math.min(0.99, Math.max(1 / (1 + BUILD_PER_LOAD), elapsedMs / totalMs)),
    etaMs: Math.max(1_000, Math.round(totalMs - elapsedMs)),
  };
}
