// The only holder of the PostgreSQL pool. One pool per module scope, reused across invocations;
// connection failures become a 503 quickly instead of a hang, and the pool reconnects on its own
// once the server is back because pg discards broken clients.
import pg from "pg";
import { config } from "./config";
import { HttpError, ServiceUnavailableError } from "./errors";
import { recordDb } from "./request-metrics";

export type Queryable = Pick<pg.PoolClient, "query">;

let pool: pg.Pool | undefined;

export function getPool(): pg.Pool {
  if (!pool) {
    pool = new pg.Pool({
      connectionString: config.DATABASE_URL,
      max: config.PG_POOL_MAX,
      connectionTimeoutMillis: config.PG_CONNECT_TIMEOUT_MS,
      statement_timeout: config.PG_STATEMENT_TIMEOUT_MS,
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
    code === "57014" || // statement timeout
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
  client: Queryable = getPool(),
): Promise<pg.QueryResult<Row>> {
  const started = performance.now();
  try {
    // A statement outside a transaction that lost a deadlock or serialization conflict changed
    // nothing, so running it again is safe; inside a transaction the caller owns the retry.
    const retries = client === pool ? 2 : 0;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await client.query<Row>(text, values);
      } catch (error) {
        if (attempt >= retries || !lostConflict(error)) throw error;
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
  let client: pg.PoolClient;
  try {
    client = await getPool().connect();
  } catch (error) {
    throw toHttpError(error);
  }
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

export async function pingDatabase(): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now();
  try {
    await query("select 1");
    return { ok: true, ms: Math.round((performance.now() - started) * 10) / 10 };
  } catch {
    return { ok: false, ms: Math.round((performance.now() - started) * 10) / 10 };
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
