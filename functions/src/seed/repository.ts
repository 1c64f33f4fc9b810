// The bulk-load side of the task tables: staging tables, COPY, index builds, fence sampling and the
// swap. Each function is one invocation's work on its own dedicated connection(s) (the API pool and
// its 5 s statement timeout are for requests), tagged `seed:<loadId>` so an abort can cancel them.
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { type AuditContext, systemAuditContext } from "../audit/context";
import { auditSummary } from "../audit/sql";
import { rotateDatabaseIdentity } from "../platform/database-identity";
import { connectDedicated } from "../platform/db";
import { InvocationError } from "../platform/invocation";
import { SORT_KEY_NAMES, type SortKeyName } from "../tasks/query";
import { fenceSelect, rebuildFences } from "../tasks/upkeep";
import { COPY_COLUMNS, copyText, type SeedSpec } from "./data";
import {
  type ChunkResult,
  mapConcurrent,
  type RunResult,
  type SeedBegin,
  type SeedMemory,
  type SeedPlan,
  type StepResult,
} from "./input";

/** Thrown for a load that does not exist, is no longer loading, or a step out of order. */
export class SeedStateError extends InvocationError {
  constructor(message: string) {
    super(message, "SeedStateError");
  }
}

/** Per index build; PostgreSQL sorts in memory instead of spilling (the box has RAM to spare). */
const MAINTENANCE_WORK_MEM = "512MB";
/** A load nobody finished or aborted within this is abandoned (its CLI died) and cleaned up. */
const STALE_AFTER = "2 hours";
/** ... or within this, if none of its statements is running (10M rows take ~5 min in all). */
const ORPHAN_AFTER = "20 minutes";
/** The swap waits at most this long for the table lock per attempt, so API requests queued behind it never wait longer. */
const SWAP_LOCK_TIMEOUT_MS = 200;
const SWAP_ATTEMPTS = 50;

interface LoadRow {
  load_id: string;
  mode: "replace" | "append";
  state: "loading" | "done" | "aborted";
  staging: string;
  count: string;
  seed: string;
  anchor: Date;
  chunk_rows: number;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Samples rss while fn runs: the function's memory as the issue asks for it (peak rss). */
export async function withMemory<T>(fn: () => Promise<T>): Promise<{ value: T; memory: SeedMemory }> {
  const start = process.memoryUsage();
  let rssPeak = start.rss;
  let heapPeak = start.heapUsed;
  const sample = () => {
    const now = process.memoryUsage();
    rssPeak = Math.max(rssPeak, now.rss);
    heapPeak = Math.max(heapPeak, now.heapUsed);
  };
  const timer = setInterval(sample, 50);
  try {
    const value = await fn();
    sample();
    const mb = (bytes: number) => Math.round(bytes / 1_048_576);
    return {
      value,
      memory: { rssPeakMb: mb(rssPeak), rssStartMb: mb(start.rss), heapUsedPeakMb: mb(heapPeak) },
    };
  } finally {
    clearInterval(timer);
  }
}

async function withClient<T>(loadId: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectDedicated(`seed:${loadId}`);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function getLoad(client: pg.ClientBase, loadId: string, lock = ""): Promise<LoadRow> {
  const result = await client.query<LoadRow>(`select * from seed_loads where load_id = $1 ${lock}`, [loadId]);
  const load = result.rows[0];
  if (!load) throw new SeedStateError(`Seed load ${loadId} does not exist`);
  return load;
}

function assertLoading(load: LoadRow): void {
  if (load.state !== "loading") throw new SeedStateError(`Seed load ${load.load_id} is ${load.state}`);
}

/** Order of index builds: longest first, so two builders finish at about the same time. */
function buildCost(ddl: string): number {
  if (/gin_trgm_ops/.test(ddl)) return 100;
  if (/USING gin/.test(ddl)) return 20;
  if (/\(title/.test(ddl)) return 5;
  return 1;
}

function phasesFor(mode: "replace" | "append", indexes: { live_name: string; ddl: string }[]): string[][] {
  if (mode === "append") return [["append"], ["resample"]];
  const builds = [...indexes]
    .sort((a, b) => buildCost(b.ddl) - buildCost(a.ddl))
    .map((index) => `index:${index.live_name}`);
  // Fences after the builds in the same phase: each sample runs as soon as a builder is free (its
  // index is there by then; without it the sample is still right, only slower).
  return [["vacuum"], [...builds, "totals", ...SORT_KEY_NAMES.map((key) => `fences:${key}`)], ["swap"]];
}

/**
 * Starts a load: records it and creates its staging table. Replace stages a full copy of the
 * tasks table's definition without indexes; append stages bare columns (unlogged: it only lives
 * until its rows are inserted into tasks).
 */
export async function beginLoad(input: Omit<SeedBegin, "action">): Promise<SeedPlan> {
  const loadId = `${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
  const mode = input.truncate ? "replace" : "append";
  const staging = `tasks_seed_${loadId}`;
  const anchor = input.anchor ? new Date(input.anchor) : new Date(Math.floor(Date.now() / 60_000) * 60_000);
  return withClient(loadId, async (client) => {
    await abandonStaleLoads(client);
    await client.query("begin");
    try {
      await client.query(
        `insert into seed_loads (load_id, mode, staging, count, seed, anchor, chunk_rows)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [loadId, mode, staging, input.count, input.seed, anchor, input.chunkRows],
      );
      let indexes: { live_name: string; ddl: string }[] = [];
      if (mode === "replace") {
        await client.query(
          `create table ${quoteIdent(staging)} (like tasks including all excluding indexes)
           with (autovacuum_enabled = false)`,
        );
        // Every index of the live table, as DDL for the staging table under a temporary name.
        const planned = await client.query<{ live_name: string; ddl: string }>(
          `insert into seed_load_indexes (load_id, live_name, staging_name, ddl, constraint_name, constraint_type)
           select $1, i.relname, left($1 || '_' || i.relname, 63),
                  'create ' || case when x.indisunique then 'unique ' else '' end || 'index '
                    || quote_ident(left($1 || '_' || i.relname, 63)) || ' on ' || quote_ident($2) || ' '
                    || substr(d.def, strpos(d.def, ' USING ') + 1),
                  c.conname, c.contype
           from pg_index x
           join pg_class i on i.oid = x.indexrelid
           cross join lateral (select pg_get_indexdef(x.indexrelid) as def) d
           left join pg_constraint c
             on c.conindid = x.indexrelid and c.conrelid = x.indrelid and c.contype in ('p', 'u')
           where x.indrelid = 'tasks'::regclass
           returning live_name, ddl`,
          [loadId, staging],
        );
        indexes = planned.rows;
      } else {
        await client.query(
          `create unlogged table ${quoteIdent(staging)} with (autovacuum_enabled = false)
           as select ${COPY_COLUMNS.join(", ")} from tasks with no data`,
        );
      }
      await client.query("commit");
      return {
        loadId,
        mode,
        count: input.count,
        seed: input.seed,
        anchor: anchor.toISOString(),
        chunkRows: input.chunkRows,
        chunks: Math.ceil(input.count / input.chunkRows),
        phases: phasesFor(mode, indexes),
      };
    } catch (error) {
      await client.query("rollback").catch(() => {});
      throw error;
    }
  });
}

/**
 * COPYs one chunk of generated rows into the staging table, streamed with backpressure (memory
 * stays flat whatever the chunk size). The chunk is claimed in the same transaction, so a retried
 * invocation loads nothing twice; the load row is share-locked so an abort waits for (or cancels)
 * the COPY rather than racing it.
 */
export async function loadChunk(loadId: string, chunk: number): Promise<Omit<ChunkResult, "memory">> {
  const started = performance.now();
  return withClient(loadId, async (client) => {
    await client.query("begin");
    try {
      const load = await getLoad(client, loadId, "for share");
      assertLoading(load);
      const count = Number(load.count);
      const from = chunk * load.chunk_rows;
      const to = Math.min(count, from + load.chunk_rows);
      if (from >= count) throw new SeedStateError(`Seed load ${loadId} has no chunk ${chunk}`);
      const claimed = await client.query(
        `insert into seed_load_chunks (load_id, chunk, rows) values ($1, $2, $3) on conflict do nothing`,
        [loadId, chunk, to - from],
      );
      if (claimed.rowCount === 0) {
        await client.query("rollback");
        return { chunk, rows: 0, skipped: true, ms: Math.round(performance.now() - started) };
      }
      const spec: SeedSpec = {
        count,
        seed: Number(load.seed),
        anchorMs: load.anchor.getTime(),
        ...(load.mode === "replace" ? { firstId: 1 } : {}),
      };
      const columns = load.mode === "replace" ? ["id", ...COPY_COLUMNS] : COPY_COLUMNS;
      const tally = new Map<string, number>();
      await pipeline(
        Readable.from(copyText(spec, from, to, undefined, tally), { objectMode: false }),
        client.query(copyFrom(`copy ${quoteIdent(load.staging)} (${columns.join(", ")}) from stdin`)),
      );
      const counts = [...tally].map(([key, n]) => {
        const [status, priority] = key.split(":");
        return { status, priority: Number(priority), n };
      });
      await client.query("update seed_load_chunks set counts = $3 where load_id = $1 and chunk = $2", [
        loadId,
        chunk,
        JSON.stringify(counts),
      ]);
      await client.query("commit");
      return { chunk, rows: to - from, skipped: false, ms: Math.round(performance.now() - started) };
    } catch (error) {
      await client.query("rollback").catch(() => {});
      throw error;
    }
  });
}

async function assertAllChunksLoaded(client: pg.ClientBase, load: LoadRow): Promise<void> {
  const result = await client.query<{ rows: string }>(
    "select coalesce(sum(rows), 0) as rows from seed_load_chunks where load_id = $1",
    [load.load_id],
  );
  const loaded = Number(result.rows[0]?.rows ?? 0);
  if (loaded !== Number(load.count)) {
    throw new SeedStateError(`Seed load ${load.load_id} has ${loaded} of ${load.count} rows loaded`);
  }
}

/** One step after the chunks; see phasesFor for the order. */
export async function runStep(
  loadId: string,
  step: string,
  audit: AuditContext = systemAuditContext(null),
): Promise<Omit<StepResult, "memory">> {
  const started = performance.now();
  const [kind, arg = ""] = step.split(":") as [string, string?];
  const done = (detail: Record<string, unknown> = {}, finished = false) => ({
    step,
    ms: Math.round(performance.now() - started),
    detail,
    finished,
  });
  if (kind === "resample") return resampleAfterAppend(loadId);
  return withClient(loadId, async (client) => {
    const load = await getLoad(client, loadId);
    assertLoading(load);
    const staging = quoteIdent(load.staging);
    if (kind === "vacuum" && load.mode === "replace") {
      await assertAllChunksLoaded(client, load);
      // Sets hint bits and the visibility map once, here, instead of in the first API reads after
      // the swap; index-only scans (fence sampling, position lookups) depend on it. ANALYZE now, as
      // it would wait for the index builds later; autovacuum re-analyzes after the swap anyway.
      await client.query(`vacuum (analyze) ${staging}`);
      return done();
    }
    if (kind === "index" && load.mode === "replace") {
      await client.query("begin");
      // Transaction-scoped settings only: a session SET pins a pooler's connection (issue 18).
      await client.query(`set local maintenance_work_mem = '${MAINTENANCE_WORK_MEM}'`);
      // Builds already run side by side, one per core; parallel workers measured slower here.
      await client.query("set local max_parallel_maintenance_workers = 0");
      const index = await client.query<{ ddl: string }>(
        `select ddl from seed_load_indexes where load_id = $1 and live_name = $2 and built_at is null for update`,
        [loadId, arg],
      );
      const ddl = index.rows[0]?.ddl;
      if (ddl !== undefined) {
        await client.query(ddl);
        await client.query(
          "update seed_load_indexes set built_at = now() where load_id = $1 and live_name = $2",
          [loadId, arg],
        );
      }
      await client.query("commit");
      return done({ built: ddl !== undefined });
    }
    if (kind === "totals" && load.mode === "replace") {
      await assertAllChunksLoaded(client, load);
      // Summed from what each chunk generated: exact, and no scan of the staging table.
      const totals = await client.query<{ counts: unknown }>(
        `update seed_loads set counts = (
           select coalesce(jsonb_agg(jsonb_build_object('status', status, 'priority', priority, 'n', n)), '[]')
           from (select c.status, c.priority, sum(c.n)::int8 as n
                 from seed_load_chunks k
                 cross join jsonb_to_recordset(k.counts) as c(status text, priority smallint, n bigint)
                 where k.load_id = $1 group by 1, 2) s)
         where load_id = $1 returning counts`,
        [loadId],
      );
      return done({ counts: totals.rows[0]?.counts });
    }
    if (kind === "fences" && load.mode === "replace" && (SORT_KEY_NAMES as string[]).includes(arg)) {
      await client.query("begin");
      await client.query("set local work_mem = '256MB'");
      await client.query("delete from seed_load_fences where load_id = $1 and sort_key = $2", [loadId, arg]);
      const fences = await client.query(
        `insert into seed_load_fences
           (load_id, sort_key, rank, task_id, created_at, updated_at, due_at, priority, title, status)
         select $1, $2, f.* from (${fenceSelect(arg as SortKeyName, staging)}) f`,
        [loadId, arg],
      );
      await client.query("commit");
      return done({ fences: fences.rowCount });
    }
    if (kind === "swap" && load.mode === "replace") {
      const swapped = await swapIn(client, load, audit);
      return done(swapped, true);
    }
    if (kind === "append" && load.mode === "append") {
      await assertAllChunksLoaded(client, load);
      await client.query("begin");
      try {
        // The state flips first: an abort arriving later finds the load done, an earlier one wins.
        const claimed = await client.query(
          `update seed_loads set state = 'done', finished_at = now() where load_id = $1 and state = 'loading'`,
          [loadId],
        );
        if (claimed.rowCount !== 1) throw new SeedStateError(`Seed load ${loadId} is no longer loading`);
        // Statement-level triggers count the rows and log their positions in this one statement.
        const inserted = await client.query(
          `insert into tasks (${COPY_COLUMNS.join(", ")}) select ${COPY_COLUMNS.join(", ")} from ${staging}`,
        );
        await client.query(`drop table ${staging}`);
        await recordSeed(client, load, audit, { inserted: inserted.rowCount });
        await client.query("commit");
        return done({ inserted: inserted.rowCount });
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw error;
      }
    }
    throw new SeedStateError(`Seed load ${loadId} (${load.mode}) has no step ${step}`);
  });
}

/** Append's last step runs after the load is done, so it does not go through assertLoading. */
async function resampleAfterAppend(loadId: string): Promise<Omit<StepResult, "memory">> {
  const started = performance.now();
  return withClient(loadId, async (client) => {
    const load = await getLoad(client, loadId);
    if (load.mode !== "append" || load.state !== "done") {
      throw new SeedStateError(`Seed load ${loadId} is not a finished append`);
    }
    const { rows } = await rebuildFences(client);
    return {
      step: "resample",
      ms: Math.round(performance.now() - started),
      detail: { rows },
      finished: true,
    };
  });
}

/**
 * The swap, retried with a short lock timeout: while it waits for the table lock every new API
 * query queues behind it, so it gives up after SWAP_LOCK_TIMEOUT_MS and tries again.
 */
/** A seed is one audit row, in the transaction that makes its rows visible: a summary, not a row per task. */
async function recordSeed(
  client: pg.Client,
  load: LoadRow,
  audit: AuditContext,
  facts: Record<string, unknown> = {},
): Promise<void> {
  const { text, values } = auditSummary(audit, "tasks.seed", {
    loadId: load.load_id,
    mode: load.mode,
    count: Number(load.count),
    seed: Number(load.seed),
    ...facts,
  });
  await client.query(text, values);
}

async function swapIn(
  client: pg.Client,
  load: LoadRow,
  audit: AuditContext,
): Promise<Record<string, unknown>> {
  const loadId = load.load_id;
  const started = performance.now();
  for (let attempt = 1; ; attempt += 1) {
    await client.query("begin");
    try {
      await client.query(`set local lock_timeout = ${SWAP_LOCK_TIMEOUT_MS}`);
      const lockStarted = performance.now();
      const result = await client.query<{ max_id: string }>("select seed_swap_in($1) as max_id", [loadId]);
      await recordSeed(client, load, audit);
      // A new table is a new database as far as the cache knows: nothing cached before may be read.
      await rotateDatabaseIdentity(client);
      await client.query("commit");
      return {
        attempts: attempt,
        lockedMs: Math.round(performance.now() - lockStarted),
        totalMs: Math.round(performance.now() - started),
        maxId: result.rows[0]?.max_id,
      };
    } catch (error) {
      await client.query("rollback").catch(() => {});
      const code = (error as { code?: string }).code;
      if (code === "P0001") throw new SeedStateError((error as Error).message);
      if (code !== "55P03" || attempt >= SWAP_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

/**
 * Aborts a load: cancels whatever its invocations are running, marks it aborted and drops its
 * staging data. The live table is untouched (a replace swaps only in its last step, an append
 * inserts only in its last step); after either of those has committed, abort reports done.
 */
export async function abortLoad(loadId: string): Promise<{ state: string }> {
  return withClient(`abort${loadId}`, async (client) => abortWith(client, loadId));
}

async function abortWith(client: pg.Client, loadId: string): Promise<{ state: string }> {
  await client.query(
    "select pg_cancel_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()",
    [`seed:${loadId}`],
  );
  await client.query("begin");
  await client.query("set local lock_timeout = '30s'");
  try {
    const aborted = await client.query<{ staging: string }>(
      `update seed_loads set state = 'aborted', finished_at = now()
       where load_id = $1 and state = 'loading' returning staging`,
      [loadId],
    );
    const staging = aborted.rows[0]?.staging;
    if (staging === undefined) {
      await client.query("rollback");
      return { state: (await getLoad(client, loadId)).state };
    }
    await client.query(`drop table if exists ${quoteIdent(staging)}`);
    await client.query("delete from seed_load_fences where load_id = $1", [loadId]);
    await client.query("commit");
    return { state: "aborted" };
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  }
}

/**
 * Loads left behind by a CLI or stack that died without aborting: older than ORPHAN_AFTER with none
 * of their statements running, or older than STALE_AFTER whatever they do. Their staging is dropped.
 */
async function abandonStaleLoads(client: pg.Client): Promise<void> {
  const stale = await client.query<{ load_id: string }>(
    `select load_id from seed_loads l where state = 'loading'
       and (created_at < now() - interval '${STALE_AFTER}'
            or (created_at < now() - interval '${ORPHAN_AFTER}'
                and not exists (select 1 from pg_stat_activity a where a.application_name = 'seed:' || l.load_id)))`,
  );
  for (const row of stale.rows) await abortWith(client, row.load_id);
}

/**
 * A whole load in one invocation (small counts, `serverless invoke local`, tests): the same steps
 * the CLI drives one invocation at a time. Any failure aborts the load, leaving tasks as it was.
 */
export async function runLoad(
  input: Omit<SeedBegin, "action">,
  concurrency = 2,
  audit: AuditContext = systemAuditContext(null),
): Promise<Omit<RunResult, "memory">> {
  const started = performance.now();
  const plan = await beginLoad(input);
  try {
    const chunks = Array.from({ length: plan.chunks }, (_, chunk) => chunk);
    await mapConcurrent(chunks, concurrency, (chunk) => loadChunk(plan.loadId, chunk));
    const loadMs = Math.round(performance.now() - started);
    const steps: Omit<StepResult, "memory">[] = [];
    for (const phase of plan.phases) {
      steps.push(...(await mapConcurrent(phase, concurrency, (step) => runStep(plan.loadId, step, audit))));
    }
    return { plan, rows: plan.count, ms: Math.round(performance.now() - started), loadMs, steps };
  } catch (error) {
    await abortLoad(plan.loadId).catch(() => {});
    throw error;
  }
}
