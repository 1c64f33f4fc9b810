// The only holder of the PostgreSQL pool. One pool per module scope, reused across invocations;
// connection failures become a 503 quickly instead of a hang, and the pool reconnects on its own
// once the server is back because pg discards broken clients.
import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";
import { config } from "./config";
import { HttpError, ServiceUnavailableError } from "./errors";
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
/** What each pooled connection was last told, so a budget costs a round trip only when it changes. */
const appliedBudgets = new WeakMap<pg.PoolClient, string>();

export function withStatementBudget<T>(budget: StatementBudget, fn: () => Promise<T>): Promise<T> {
  return budgets.run(budget, fn);
}

async function applyBudget(client: pg.PoolClient): Promise<void> {
  const budget = budgets.getStore() ?? {
    statementMs: config.PG_STATEMENT_TIMEOUT_MS,
    lockMs: config.PG_LOCK_TIMEOUT_MS,
  };
  const wanted = `${Math.round(budget.statementMs)}/${Math.round(budget.lockMs)}`;
  if (appliedBudgets.get(client) === wanted) return;
  await client.query(
    `set statement_timeout = ${Math.round(budget.statementMs)}; set lock_timeout = ${Math.round(budget.lockMs)}`,
  );
  appliedBudgets.set(client, wanted);
}

/** A pooled connection with the current budget applied; connection failures become a 503. */
async function connect(): Promise<pg.PoolClient> {
  let client: pg.PoolClient;
  const current = getPool();
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
  if (!appliedBudgets.has(client)) client.on("error", () => {});
  try {
    await applyBudget(client);
  } catch (error) {
    client.release(true);
    throw toHttpError(error);
  }
  return client;
}

let pool: pg.Pool | undefined;

/** Waits for a pooled connection in this process since it started (read by functions/src/ops/). */
export const poolWaits = { count: 0, ms: 0 };

export function getPool(): pg.Pool {
  if (!pool) {
    pool = new pg.Pool({
      connectionString: config.DATABASE_URL,
      max: config.PG_POOL_MAX,
      connectionTimeoutMillis: config.PG_CONNECT_TIMEOUT_MS,
      statement_timeout: config.PG_STATEMENT_TIMEOUT_MS,
      lock_timeout: config.PG_LOCK_TIMEOUT_MS,
      // A server that stops answering mid-query would otherwise hold the request forever.
      query_timeout: config.PG_STATEMENT_TIMEOUT_MS + 1_000,
      idleTimeoutMillis: 60_000,
      keepAlive: true,
    });
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on("error", () => {});
  }
  return pool;
}

export async function closePool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.end();
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
    const pooled = client === pool || client === undefined;
    const retries = pooled ? 2 : 0;
    for (let attempt = 0; ; attempt += 1) {
      const connection = pooled ? await connect() : client;
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
