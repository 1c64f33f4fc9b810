// The scheduled upkeep of the task tables (the `maintain` function, and seeds for the fences):
// purging what expired, vacuuming, and resampling the position fences. Long statements run on
// dedicated connections, outside the pool's request-sized statement timeout.
import type pg from "pg";
import { config } from "../platform/config";
import { connectDedicated, lostConflict, query, toHttpError } from "../platform/db";
import { orderBy, SORT_KEY_NAMES, type SortKeyName } from "./query";
import { FENCE_SPACING } from "./repository";

/**
 * Runs a delete of at most `batch` rows ($1) until a batch comes back short: each statement stays
 * inside the pool's statement timeout however much has piled up.
 */
async function deleteInBatches(sql: string, batch: number, params: unknown[] = []): Promise<number> {
  let deleted = 0;
  for (;;) {
    const count = (await query(sql, [batch, ...params])).rowCount ?? 0;
    deleted += count;
    if (count < batch) return deleted;
  }
}

/** Deletes Idempotency-Keys past their TTL, oldest first in batches (the created_at index). */
export function purgeIdempotencyKeys(batch = 10_000): Promise<number> {
  return deleteInBatches(
    `delete from idempotency_keys where (actor_id, key) in (
       select actor_id, key from idempotency_keys where created_at <= now() - make_interval(hours => $2)
       order by created_at limit $1)`,
    batch,
    [config.IDEMPOTENCY_KEY_TTL_HOURS],
  );
}

/** Deletes expired tasks in batches so lists, totals and positions stop carrying them. */
export function purgeExpired(batch = 10_000): Promise<number> {
  return deleteInBatches(
    "delete from tasks where id in (select id from tasks where expires_at <= now() limit $1)",
    batch,
  );
}

/** Rows inserted, updated or deleted since the last vacuum before the tables are worth vacuuming. */
export const VACUUM_AFTER = 5_000;

/**
 * Vacuums and analyzes the task tables once enough has changed, whether or not the server runs
 * autovacuum (some run with it off, and its default waits for 20% of a table to change). Lists and
 * searches walk the orderings' indexes alone only over pages the visibility map marks all-visible;
 * measured at 1M rows after 60,000 writes, a walk of 18,000 index entries made 7,954 heap fetches.
 * task_fences too: every resample replaces its rows, and a jump's fence lookup passed 77,000 dead
 * ones after an afternoon of bulk jobs.
 */
export async function vacuumIfNeeded(): Promise<{ changed: number; vacuumed: boolean; ms?: number }> {
  const stats = await query<{ changed: string }>(
    `select coalesce(n_dead_tup + n_ins_since_vacuum, 0) as changed
     from pg_stat_user_tables where relid = 'tasks'::regclass`,
  );
  const changed = Number(stats.rows[0]?.changed ?? 0);
  if (changed < VACUUM_AFTER) return { changed, vacuumed: false };
  const started = performance.now();
  // VACUUM cannot run in a transaction and outlasts the pool's statement timeout at millions of rows.
  const connection = await connectDedicated("vacuum");
  try {
    // No truncation: cutting empty pages off a table's end takes an ACCESS EXCLUSIVE lock, which
    // stalls every reader of `tasks` (and every write, through the triggers on the smaller
    // tables) while it lasts: readers' pages took 100-170 ms, all ending at the same moment, each
    // time a bulk job's vacuum began. The pages stay and are reused by later rows.
    await connection.query("vacuum (analyze, truncate false) tasks, task_counts, task_rank_log, task_fences");
  } catch (error) {
    throw toHttpError(error);
  } finally {
    await connection.end().catch(() => {});
  }
  return { changed, vacuumed: true, ms: Math.round(performance.now() - started) };
}

export async function pendingRankChanges(): Promise<number> {
  const result = await query<{ n: string }>("select count(*) as n from task_rank_log");
  return Number(result.rows[0]?.n ?? 0);
}

/** Ranks of every FENCE_SPACING-th row of one ordering; the window runs over an index-only scan. */
export function fenceSelect(key: SortKeyName, table: string): string {
  return `select s.rn - 1 as rank, t.id, t.created_at, t.updated_at, t.due_at, t.priority, t.title, t.status
    from (select t.id, row_number() over (order by ${orderBy(key, "asc")}) as rn from ${table} t) s
    join ${table} t on t.id = s.id
    where (s.rn - 1) % ${FENCE_SPACING} = 0`;
}

/**
 * Resamples every ordering's fences from one snapshot and drops exactly the log entries that
 * snapshot already contains (REPEATABLE READ deletes only rows it can see), so writes committed
 * meanwhile stay in the log and keep positions exact. Runs on a dedicated connection (or the
 * caller's): at millions of rows it outlasts the pool's request-sized statement timeout.
 */
export async function rebuildFences(client?: pg.Client): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  const connection = client ?? (await connectDedicated("fence-resample"));
  try {
    // Two resamples at once (the schedule and a seed, say) conflict on the log entries both delete;
    // the loser's snapshot is stale, so it starts over from a new one.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await resampleOnce(connection, started);
      } catch (error) {
        if (attempt >= 4 || !lostConflict(error)) throw toHttpError(error);
      }
    }
  } finally {
    if (!client) await connection.end().catch(() => {});
  }
}

async function resampleOnce(connection: pg.Client, started: number): Promise<{ rows: number; ms: number }> {
  await connection.query("begin isolation level repeatable read");
  try {
    // Transaction-scoped, like every setting here: a session SET pins a pooler's connection (issue 18).
    await connection.query("set local work_mem = '256MB'");
    await connection.query("delete from task_rank_log");
    await connection.query("delete from task_fences");
    let rows = 0;
    for (const key of SORT_KEY_NAMES) {
      const result = await connection.query(
        `insert into task_fences (sort_key, rank, task_id, created_at, updated_at, due_at, priority, title, status)
         select $1, f.* from (${fenceSelect(key, "tasks")}) f`,
        [key],
      );
      rows = Math.max(rows, (result.rowCount ?? 0) * FENCE_SPACING);
      await connection.query(
        `insert into task_fence_builds (sort_key, built_at, row_count) values ($1, now(), $2)
         on conflict (sort_key) do update set built_at = excluded.built_at, row_count = excluded.row_count`,
        [key, result.rowCount ?? 0],
      );
    }
    await connection.query("commit");
    return { rows, ms: Math.round(performance.now() - started) };
  } catch (error) {
    await connection.query("rollback").catch(() => {});
    throw error;
  }
}
