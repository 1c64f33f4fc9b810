// The only holder of the PostgreSQL pool. One pool per module scope, reused across invocations;
// connection failures become a 503 quickly instead of a hang, and the pool reconnects on its own
// once the server is back because pg discards broken clients.
import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";
import { config } from "./config";
import { HttpError, ServiceUnavailableError } from "./errors";
import { errorText, log } from "./logger";
import { recordDb } from "./request-metrics";

export type Queryable = Pick<pg.PoolClient, "query">;

/**
 * How long one statement of a request may run, and wait for a lock. A route sets its own budget
 * (http.ts); a session holding `LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE` then costs a reader its
 * lock budget, not the statement timeout, and the request answers 503 well under 2 s.
 */
export interface StatementBudget {
  statementMs: number;
  lockMs: number;
}

const budgets = new AsyncLocalStorage<StatementBudget>();

export function withStatementBudget<T>(budget: StatementBudget, fn: () => Promise<T>): Promise<T> {
  return budgets.run(budget, fn);
}

/**
 * One pool per budget, its timeouts given as startup parameters of each connection. Nothing is ever
 * SET on a pooled connection: a session-level SET pins the connection behind RDS Proxy and leaks into
 * other clients' transactions behind pgbouncer in transaction mode (issue 18; the pool-safety test
 * refuses it). There are four budgets (requests, writes, gets and health, batch work), each pool
 * small and lazily created, and a Lambda instance serves one route, so it fills one of them.
 */
const pools = new Map<string, pg.Pool>();

function budgetKey(budget: StatementBudget): string {
  return `${Math.round(budget.statementMs)}/${Math.round(budget.lockMs)}`;
}

const outsideRequests = (): StatementBudget => ({
  statementMs: config.PG_STATEMENT_TIMEOUT_MS,
  lockMs: config.PG_LOCK_TIMEOUT_MS,
});

function poolFor(budget: StatementBudget, url = config.DATABASE_URL): pg.Pool {
  const key = `${budgetKey(budget)} ${url === config.DATABASE_URL ? "primary" : "replica"}`;
  let found = pools.get(key);
  if (!found) {
    found = new pg.Pool({
      connectionString: url,
      max: config.PG_POOL_MAX,
      connectionTimeoutMillis: config.PG_CONNECT_TIMEOUT_MS,
      statement_timeout: Math.round(budget.statementMs),
      lock_timeout: Math.round(budget.lockMs),
      // A server that stops answering mid-query would otherwise hold the request forever.
      query_timeout: config.PG_STATEMENT_TIMEOUT_MS + 1_000,
      idleTimeoutMillis: 60_000,
      keepAlive: true,
    });
    // An idle client losing its server must not crash the process; the next query reconnects.
    found.on("error", () => {});
    // Nor a checked-out one (graphile-worker checks out clients of a pool itself).
    found.on("connect", (client) => client.on("error", () => {}));
    pools.set(key, found);
  }
  return found;
}

/** A pooled connection with the current budget; connection failures become a 503. */
/** Waits for a pooled connection in this process since it started (read by functions/src/ops/). */
export const poolWaits = { count: 0, ms: 0 };

async function connect(): Promise<pg.PoolClient> {
  let client: pg.PoolClient;
  const current = poolFor(budgets.getStore() ?? outsideRequests());
  // Every connection busy: this request queues for one (the ops page shows how often and how long).
  const waitStarted =
    current.idleCount === 0 && current.totalCount >= config.PG_POOL_MAX ? performance.now() : 0;
  try {
    client = await current.connect();
  } catch (error) {
    throw toHttpError(error);
  } finally {
    if (waitStarted) {
      poolWaits.count += 1;
      poolWaits.ms += performance.now() - waitStarted;
    }
  }
  // A checked-out client whose server goes away emits "error" besides failing its query; pool.query
  // listens for it, and so must every connection handed out here, or the process dies of it.
  if (client.listenerCount("error") === 0) client.on("error", () => {});
  return client;
}

// ---- Read replicas (issue 18) -------------------------------------------------------------------
//
// A GET request may read from DATABASE_READ_URL. Read-your-writes: every write's response carries the
// primary's WAL position after its commit (X-Write-LSN); a client that sends it back on a read
// (X-Read-After-LSN) reads the replica only once the replica has replayed that far, checked on the
// very connection the read then uses (a reader endpoint balances over replicas of different lag),
// and the primary otherwise. The cache is filled only from the primary (`onPrimary`), so a lagging
// replica can never put an older row into Redis, where it would outlive the lag.

export interface ReadRouting {
  /** This request may read the replica. */
  replica: boolean;
  /** The WAL position the client must see (its last write's), if it sent one. */
  afterLsn?: string;
  /** Where its reads went (the X-Read-Source header). */
  served: Set<"primary" | "replica">;
}

const routing = new AsyncLocalStorage<ReadRouting>();

export const replicaConfigured = (): boolean => config.DATABASE_READ_URL !== undefined;

export function withReadRouting<T>(route: ReadRouting, fn: () => Promise<T>): Promise<T> {
  return routing.run(route, fn);
}

/** Runs fn's reads on the primary: what they read goes into the cache, which must never go back in time. */
export function onPrimary<T>(fn: () => Promise<T>): Promise<T> {
  const route = routing.getStore();
  if (!route?.replica) return fn();
  return routing.run({ replica: false, served: route.served }, fn);
}

/** A connection for a pooled statement: the replica when this request may and the replica is far enough. */
async function connectForRead(): Promise<pg.PoolClient> {
  const route = routing.getStore();
  if (!config.DATABASE_READ_URL || !route?.replica) {
    route?.served.add("primary");
    return connect();
  }
  let client: pg.PoolClient;
  try {
    client = await poolFor(budgets.getStore() ?? outsideRequests(), config.DATABASE_READ_URL).connect();
  } catch {
    // A replica that is away costs its reads nothing but the connect timeout: the primary answers.
    route.served.add("primary");
    return connect();
  }
  if (client.listenerCount("error") === 0) client.on("error", () => {});
  if (route.afterLsn !== undefined) {
    try {
      // Null on a server that is not in recovery (a primary given as DATABASE_READ_URL): primary.
      const caught = await client.query<{ ok: boolean | null }>(
        "select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok",
        [route.afterLsn],
      );
      if (caught.rows[0]?.ok !== true) {
        client.release();
        route.served.add("primary");
        return connect();
      }
    } catch {
      client.release(true);
      route.served.add("primary");
      return connect();
    }
  }
  route.served.add("replica");
  return client;
}

/** The primary's WAL position now: after a commit, at or past that commit's record. */
export async function writePosition(): Promise<string> {
  const result = await onPrimary(() => query<{ lsn: string }>("select pg_current_wal_lsn()::text as lsn"));
  return result.rows[0]?.lsn ?? "0/0";
}

/** The pool of work outside requests (batch steps, scripts); requests get theirs from their budget. */
export function getPool(): pg.Pool {
  return poolFor(outsideRequests());
}

export async function closePool(): Promise<void> {
  const current = [...pools.values()];
  pools.clear();
  await Promise.all(current.map((each) => each.end()));
}

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EPIPE",
  "EHOSTUNREACH",
]);

/** A statement that ran out of its time or lock budget: the database is busy or stuck. */
const STUCK_CODES = new Set(["57014", "55P03"]);

const INPUT_VALUE_CODES = new Set([
  "23514",
  "22001",
  "22003",
  "22P02",
  "22007",
  "22008",
  "22009",
  "22021",
  "22P05",
]);

/** Translates driver failures into typed errors; anything unrecognised stays a bug (500). */
export function toHttpError(error: unknown): unknown {
  if (error instanceof HttpError || !(error instanceof Error)) return error;
  const code = (error as { code?: string }).code ?? "";
  const message = error.message;
  if (
    UNAVAILABLE_CODES.has(code) ||
    code.startsWith("08") || // connection exceptions
    code === "57P01" || // admin shutdown
    code === "57P03" || // cannot connect now (starting up)
    STUCK_CODES.has(code) || // statement or lock timeout
    code === "53300" || // too many connections
    code === "40P01" || // deadlock that survived the retries below
    code === "40001" || // serialization failure that survived them
    /timeout|Connection terminated|connect/i.test(message)
  ) {
    // The answer says "retry"; the log says why (a pool wait, a timeout, a lost connection).
    log("warn", "database unavailable", { cause: errorText(error), code });
    return new ServiceUnavailableError();
  }
  // Validation should have refused these first; a value that still reaches PostgreSQL this way is
  // the client's, not a server fault (22003 numeric range, 22007-22009 datetime, 22021/22P05 text).
  if (INPUT_VALUE_CODES.has(code)) {
    return new HttpError(422, "validation_failed", "The values are not acceptable to the database");
  }
  return error;
}

/** A deadlock or serialization failure: the transaction changed nothing and may simply run again. */
export function lostConflict(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === "40P01" || code === "40001";
}

export async function query<Row extends pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
  client?: Queryable,
): Promise<pg.QueryResult<Row>> {
  const started = performance.now();
  try {
    // A statement outside a transaction that lost a deadlock or serialization conflict changed
    // nothing, so running it again is safe; inside a transaction the caller owns the retry.
    const pooled = client === undefined || [...pools.values()].includes(client as pg.Pool);
    const retries = pooled ? 2 : 0;
    for (let attempt = 0; ; attempt += 1) {
      const connection = pooled ? await connectForRead() : client;
      try {
        return await connection.query<Row>(text, values);
      } catch (error) {
        if (attempt >= retries || !lostConflict(error)) throw error;
      } finally {
        if (pooled) (connection as pg.PoolClient).release();
      }
    }
  } catch (error) {
    throw toHttpError(error);
  } finally {
    recordDb(performance.now() - started);
  }
}

/**
 * Runs one read-only statement with its own short time limit: its rows, or "timeout" when
 * PostgreSQL cancelled it at `ms`. For plans that are cheap or hopeless, never in between.
 */
export async function queryWithin<Row extends pg.QueryResultRow>(
  ms: number,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult<Row> | "timeout"> {
  const started = performance.now();
  try {
    return await transaction(async (client) => {
      await client.query(`set local statement_timeout = ${Math.max(1, Math.round(ms))}`);
      try {
        return await client.query<Row>(text, values);
      } catch (error) {
        // The COMMIT that follows ends the cancelled transaction as a rollback.
        if ((error as { code?: string }).code === "57014") return "timeout" as const;
        throw error;
      }
    });
  } finally {
    recordDb(performance.now() - started);
  }
}

/** Runs fn in one transaction on one connection; never touches a second connection meanwhile. */
export async function transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await connect();
  try {
    await client.query("begin");
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw toHttpError(error);
  } finally {
    client.release();
  }
}

export type DatabaseState = "ok" | "stuck" | "down";

/**
 * Whether the database answers, and whether the task table can be read: a session holding an
 * exclusive lock on it leaves `select 1` answering while every request waits, so health reads the
 * table's lock too (a statement that touches no row).
 */
export async function pingDatabase(): Promise<{ state: DatabaseState; ms: number }> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const client = await connect();
    try {
      await client.query("select 1 from tasks where false");
    } finally {
      client.release();
    }
    return { state: "ok", ms: elapsed() };
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    return { state: STUCK_CODES.has(code) ? "stuck" : "down", ms: elapsed() };
  }
}

/**
 * A connection of its own, outside the pool and without the request-sized statement timeout, for
 * batch work (seeding) whose statements legitimately run for seconds. The caller ends it.
 */
export async function connectDedicated(applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: config.DATABASE_URL,
    // Batch work tolerates a slow connect on a busy box; requests keep the short timeout.
    connectionTimeoutMillis: Math.max(config.PG_CONNECT_TIMEOUT_MS, 10_000),
    application_name: applicationName,
    keepAlive: true,
  });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new Error(`Cannot connect to PostgreSQL: ${(error as Error).message}`, { cause: error });
  }
  return client;
}
