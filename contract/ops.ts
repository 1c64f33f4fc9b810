// The shapes of the operations page (GET /ops and the WebSocket's `ops` reply) as plain types and
// constants, so the site imports them without a validator (the OpenAPI entry in openapi.ts builds
// its zod schema from the same constants).

/** Latency histogram bucket upper bounds in ms; the last bucket holds everything slower. */
export const LATENCY_BUCKETS_MS = [
  0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 125, 150, 200, 250, 300, 400,
  500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000,
] as const;

/** Rolling windows the page shows, in minutes. */
export const OPS_WINDOWS = [1, 5, 15] as const;
export type OpsWindow = (typeof OPS_WINDOWS)[number];

/** Slot length of the live figures in seconds: sparklines have one point per slot. */
export const OPS_SLOT_SECONDS = 10;
/** Points in a sparkline (the last 5 minutes). */
export const OPS_SPARK_POINTS = 30;
/** Cells of the heat strip over list positions. */
export const OPS_POSITION_CELLS = 40;

export interface RouteWindow {
  requests: number;
  /** Requests per second over the window. */
  rps: number;
  errors4xx: number;
  errors5xx: number;
  /** (4xx + 5xx) / requests, 0 when there were none. */
  errorRate: number;
  /** Milliseconds, from the histogram; null without requests. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface RouteFigures {
  /** `GET /tasks/{id}`: the method and the route template. */
  route: string;
  windows: Record<`${OpsWindow}m`, RouteWindow>;
  /** Oldest first, one point per OPS_SLOT_SECONDS over the last 5 minutes. */
  spark: { rps: number[]; p95: (number | null)[] };
  /** X-Cache outcomes over 15 minutes (reads only). */
  cache: { hit: number; miss: number; partial: number; bypass: number };
}

export interface SlowStatement {
  query: string;
  calls: number;
  meanMs: number;
  totalMs: number;
  rows: number;
}

export interface AccessPatterns {
  /** Reads per cell of the list's positions (0 = the top), over 15 minutes. */
  positions: number[];
  /** The position one cell covers (the table's total / cells, at least 1). */
  cellRows: number;
  /** Keyset pages (cursor) read, which carry no position. */
  cursorReads: number;
  /** `-createdAt`, `title`, ...: reads per sort. */
  sorts: Record<string, number>;
  /** Reads that used each filter (status, priority, assignee, tag, dueAfter, dueBefore, q). */
  filters: Record<string, number>;
  /** Distinct hot items the warmer would load after a flush. */
  hot: { tasks: number; pages: number };
}

export interface OpsSnapshot {
  at: string;
  /** Seconds the figures cover (less than 15 min right after a start). */
  routes: RouteFigures[];
  cache: {
    /** Hit ratio by kind: task entries (GET /tasks/{id}), list pages, stats; null without reads. */
    hitRatio: Record<string, number | null>;
    redis: {
      usedBytes: number;
      maxBytes: number;
      policy: string;
      evictedKeys: number;
      keyspaceHits: number;
      keyspaceMisses: number;
    } | null;
    /** The last warm-up after a flush or restart of Redis, if any ran since it started. */
    lastWarm: { at: string; tasks: number; pages: number; ms: number } | null;
  };
  database: {
    pool: { total: number; idle: number; waiting: number; waits15m: number; waitMs15m: number };
    /** Jobs waiting in the job queue; null when this database has no job queue. */
    queueDepth: number | null;
    /** pg_stat_statements' slowest statements by mean time; null without the extension. */
    slowStatements: SlowStatement[] | null;
  };
  access: AccessPatterns;
}
