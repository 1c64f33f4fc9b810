// GET /ops and the WebSocket's `ops` reply: the live figures of the last 15 minutes read back from
// Redis in one pipeline (90 slot hashes, Redis INFO, the warm-up record, the hot sets' sizes) and
// the database's side (this process's pool, the job queue, pg_stat_statements) in two queries.
import {
  type AccessPatterns,
  OPS_POSITION_CELLS,
  OPS_SLOT_SECONDS,
  OPS_SPARK_POINTS,
  OPS_WINDOWS,
  type OpsSnapshot,
  type RouteFigures,
  type RouteWindow,
  type SlowStatement,
} from "#contract/ops";
import { getPool, query } from "../platform/db";
import { availableRedis } from "../platform/redis";
import { BUCKET_COUNT, percentile } from "./histogram";
import { currentOpsKeys, slotOf } from "./keys";

const SLOTS = (15 * 60) / OPS_SLOT_SECONDS;

/** Which cache a route's X-Cache speaks for. */
const CACHE_KINDS: Record<string, string> = {
  "GET /tasks/{id}": "task entries",
  "GET /tasks": "list pages",
  "GET /tasks/stats": "stats",
};

type Slot = Record<string, string>;

interface RouteSums {
  n: number;
  e4: number;
  e5: number;
  buckets: number[];
}

const emptySums = (): RouteSums => ({ n: 0, e4: 0, e5: 0, buckets: new Array(BUCKET_COUNT).fill(0) });

/** Adds one slot's fields for every route into `into`. */
function addSlot(into: Map<string, RouteSums>, slot: Slot): void {
  for (const [field, value] of Object.entries(slot)) {
    const bar = field.lastIndexOf("|");
    const route = field.slice(0, bar);
    if (route === "a" || route === "p") continue;
    const kind = field.slice(bar + 1);
    let sums = into.get(route);
    if (!sums) {
      sums = emptySums();
      into.set(route, sums);
    }
    const n = Number(value);
    if (kind === "n") sums.n += n;
    else if (kind === "4xx") sums.e4 += n;
    else if (kind === "5xx") sums.e5 += n;
    else if (kind.startsWith("b")) {
      const bucket = Number(kind.slice(1));
      if (bucket >= 0 && bucket < BUCKET_COUNT) sums.buckets[bucket] = (sums.buckets[bucket] ?? 0) + n;
    }
  }
}

const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;

function windowOf(sums: RouteSums | undefined, seconds: number): RouteWindow {
  const s = sums ?? emptySums();
  return {
    requests: s.n,
    rps: round(s.n / Math.max(1, seconds)),
    errors4xx: s.e4,
    errors5xx: s.e5,
    errorRate: s.n === 0 ? 0 : round((s.e4 + s.e5) / s.n, 4),
    p50: percentile(s.buckets, 0.5),
    p95: percentile(s.buckets, 0.95),
    p99: percentile(s.buckets, 0.99),
  };
}

/**
 * Figures per route from slot hashes, newest last. `elapsedSeconds` is how far the newest slot has
 * run, so a window of N slots covers (N - 1) full slots plus that much.
 */
export function routeFigures(slots: Slot[], elapsedSeconds: number): RouteFigures[] {
  const routes = new Set<string>();
  const perSlot = slots.map((slot) => {
    const sums = new Map<string, RouteSums>();
    addSlot(sums, slot);
    for (const route of sums.keys()) routes.add(route);
    return sums;
  });
  const windowSums = (count: number) => {
    const sums = new Map<string, RouteSums>();
    for (const slot of slots.slice(-count)) addSlot(sums, slot);
    return sums;
  };
  const seconds = (count: number) => (count - 1) * OPS_SLOT_SECONDS + elapsedSeconds;
  const windows = OPS_WINDOWS.map((minutes) => {
    const count = (minutes * 60) / OPS_SLOT_SECONDS;
    return [minutes, windowSums(count), seconds(count)] as const;
  });
  const cacheOf = (route: string) => {
    const counts = { hit: 0, miss: 0, partial: 0, bypass: 0 };
    for (const slot of slots) {
      for (const outcome of Object.keys(counts) as (keyof typeof counts)[]) {
        counts[outcome] += Number(slot[`${route}|c:${outcome}`] ?? 0);
      }
    }
    return counts;
  };
  return [...routes].sort().map((route) => {
    const spark = perSlot.slice(-OPS_SPARK_POINTS);
    return {
      route,
      windows: Object.fromEntries(
        windows.map(([minutes, sums, secs]) => [`${minutes}m`, windowOf(sums.get(route), secs)]),
      ) as RouteFigures["windows"],
      spark: {
        rps: spark.map((sums, i) =>
          round(
            (sums.get(route)?.n ?? 0) /
              (i === spark.length - 1 ? Math.max(1, elapsedSeconds) : OPS_SLOT_SECONDS),
          ),
        ),
        p95: spark.map((sums) => percentile(sums.get(route)?.buckets ?? [], 0.95)),
      },
      cache: cacheOf(route),
    };
  });
}

/** The heat strip: position reads regrouped into cells of the table's current size. */
export function accessPatterns(slots: Slot[], total: number, hot: AccessPatterns["hot"]): AccessPatterns {
  const cellRows = Math.max(1, Math.ceil(total / OPS_POSITION_CELLS));
  const positions = new Array<number>(OPS_POSITION_CELLS).fill(0);
  const sorts: Record<string, number> = {};
  const filters: Record<string, number> = {};
  let cursorReads = 0;
  for (const slot of slots) {
    for (const [field, value] of Object.entries(slot)) {
      if (!field.startsWith("a|")) continue;
      const n = Number(value);
      const name = field.slice(2);
      if (name === "cur") cursorReads += n;
      else if (name.startsWith("p:")) {
        const cell = Math.min(OPS_POSITION_CELLS - 1, Math.floor(Number(name.slice(2)) / cellRows));
        positions[cell] = (positions[cell] ?? 0) + n;
      } else if (name.startsWith("s:")) sorts[name.slice(2)] = (sorts[name.slice(2)] ?? 0) + n;
      else if (name.startsWith("f:")) filters[name.slice(2)] = (filters[name.slice(2)] ?? 0) + n;
    }
  }
  return { positions, cellRows, cursorReads, sorts, filters, hot };
}

const infoField = (info: string, name: string) => new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();

/** The job queue's depth, whichever maintained queue this database has; null with none. */
async function queueDepth(): Promise<number | null> {
  const found = await query<{ pgboss: string | null; graphile: string | null; jobs: string | null }>(
    `select to_regclass('pgboss.job')::text as pgboss, to_regclass('graphile_worker.jobs')::text as graphile,
            to_regclass('public.jobs')::text as jobs`,
  );
  const row = found.rows[0];
  let sql: string | undefined;
  if (row?.pgboss) sql = "select count(*)::int8 as n from pgboss.job where state in ('created', 'retry')";
  else if (row?.graphile)
    sql = "select count(*)::int8 as n from graphile_worker.jobs where locked_at is null";
  else if (row?.jobs)
    sql = "select count(*)::int8 as n from public.jobs where state in ('queued', 'running')";
  if (!sql) return null;
  try {
    return Number((await query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  } catch {
    return null;
  }
}

/** pg_stat_statements' slowest statements by mean time, or null when the extension is not there. */
async function slowStatements(): Promise<SlowStatement[] | null> {
  const installed = await query<{ ok: boolean }>(
    "select exists (select 1 from pg_extension where extname = 'pg_stat_statements') as ok",
  );
  if (!installed.rows[0]?.ok) return null;
  try {
    const result = await query<{ query: string; calls: string; mean: number; total: number; rows: string }>(
      `select left(query, 300) as query, calls::int8 as calls, mean_exec_time as mean,
              total_exec_time as total, rows::int8 as rows
         from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database()) and calls > 1
        order by mean_exec_time desc limit 10`,
    );
    return result.rows.map((row) => ({
      query: row.query,
      calls: Number(row.calls),
      meanMs: round(row.mean),
      totalMs: round(row.total, 0),
      rows: Number(row.rows),
    }));
  } catch {
    // Installed but not preloaded (shared_preload_libraries): the view cannot be read.
    return null;
  }
}

async function tableTotal(): Promise<number> {
  const result = await query<{ n: string }>("select coalesce(sum(n), 0)::int8 as n from task_counts");
  return Number(result.rows[0]?.n ?? 0);
}

export async function opsSnapshot(now = Date.now()): Promise<OpsSnapshot> {
  const newest = slotOf(now);
  const elapsedSeconds = Math.max(1, (now - newest * OPS_SLOT_SECONDS * 1_000) / 1_000);
  const redis = await availableRedis();
  const opsKeys = currentOpsKeys();
  let slots: Slot[] = [];
  let info = "";
  let warm: Record<string, string> = {};
  let hot = { tasks: 0, pages: 0 };
  if (redis) {
    try {
      const pipeline = redis.pipeline();
      for (let i = SLOTS - 1; i >= 0; i -= 1) pipeline.hgetall(opsKeys.slot(newest - i));
      pipeline.info("memory").info("stats").hgetall(opsKeys.warm);
      pipeline.zcard(opsKeys.hotTasksTop).zcard(opsKeys.hotPagesTop);
      const results = ((await pipeline.exec()) ?? []).map(([error, value]) => (error ? undefined : value));
      slots = results.slice(0, SLOTS).map((value) => (value ?? {}) as Slot);
      const [memory, stats, warmed, hotTasks, hotPages] = results.slice(SLOTS);
      info = `${memory ?? ""}\n${stats ?? ""}`;
      warm = (warmed ?? {}) as Record<string, string>;
      hot = { tasks: Number(hotTasks ?? 0), pages: Number(hotPages ?? 0) };
    } catch {
      slots = [];
    }
  }
  const [total, depth, slow] = await Promise.all([tableTotal(), queueDepth(), slowStatements()]);
  const routes = routeFigures(slots, elapsedSeconds);
  const hitRatio: Record<string, number | null> = {};
  for (const [route, kind] of Object.entries(CACHE_KINDS)) {
    const cache = routes.find((figures) => figures.route === route)?.cache;
    const reads = cache ? cache.hit + cache.miss + cache.partial + cache.bypass : 0;
    hitRatio[kind] = cache && reads > 0 ? round(cache.hit / reads, 4) : null;
  }
  let waits = 0;
  let waitMs = 0;
  for (const slot of slots) {
    waits += Number(slot["p|w"] ?? 0);
    waitMs += Number(slot["p|wms"] ?? 0);
  }
  const pool = getPool();
  return {
    at: new Date(now).toISOString(),
    routes,
    cache: {
      hitRatio,
      redis: info
        ? {
            usedBytes: Number(infoField(info, "used_memory") ?? 0),
            maxBytes: Number(infoField(info, "maxmemory") ?? 0),
            policy: infoField(info, "maxmemory_policy") ?? "unknown",
            evictedKeys: Number(infoField(info, "evicted_keys") ?? 0),
            keyspaceHits: Number(infoField(info, "keyspace_hits") ?? 0),
            keyspaceMisses: Number(infoField(info, "keyspace_misses") ?? 0),
          }
        : null,
      lastWarm: warm.at
        ? {
            at: warm.at,
            tasks: Number(warm.tasks ?? 0),
            pages: Number(warm.pages ?? 0),
            ms: Number(warm.ms ?? 0),
          }
        : null,
    },
    database: {
      pool: {
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        waits15m: waits,
        waitMs15m: waitMs,
      },
      queueDepth: depth,
      slowStatements: slow,
    },
    access: accessPatterns(slots, total, hot),
  };
}
