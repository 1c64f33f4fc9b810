// Issue 18: GET requests read the streaming replica (DATABASE_READ_URL); a client that wrote sends
// back its write's WAL position (X-Write-LSN -> X-Read-After-LSN) and reads its own write even while
// the replica lags, here held back on purpose (recovery_min_apply_delay). Without the position the
// same read shows the lag: that is what proves reads really went to the replica.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, migrate } from "../../src/platform/migrations";
import { SUITE_RATE_LIMITS, TEST_API_PORT } from "../support/services";
import { type Stack, startStack } from "../support/stack";
import { authHeaders } from "../support/tokens";

const PRIMARY = process.env.DATABASE_URL ?? "";
const REPLICA = process.env.DATABASE_READ_URL ?? "";
const LAG_MS = 1_500;

let stack: Stack;

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function setApplyDelay(ms: number): Promise<void> {
  const server = new URL(REPLICA);
  server.pathname = "/postgres";
  await admin(server.toString(), async (client) => {
    await client.query(`alter system set recovery_min_apply_delay = ${ms}`);
    await client.query("select pg_reload_conf()");
  });
}

/** Waits until the replica has replayed `lsn`. */
async function replayed(lsn: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const caught = await admin(REPLICA, (client) =>
      client.query<{ ok: boolean }>("select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok", [lsn]),
    );
    if (caught.rows[0]?.ok) return;
    if (Date.now() > deadline) throw new Error(`the replica did not replay ${lsn} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  if (!PRIMARY || !REPLICA)
    throw new Error("run through `npm run test:replica` (DATABASE_READ_URL is not set)");
  const server = new URL(PRIMARY);
  const name = server.pathname.slice(1);
  server.pathname = "/postgres";
  await admin(server.toString(), async (client) => {
    const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount === 0) await client.query(`create database "${name}"`);
  });
  await admin(PRIMARY, (client) => migrate(client, MIGRATIONS_DIR));
  // No Redis: every read goes to PostgreSQL, so each one shows where it was answered from.
  stack = await startStack({
    apiPort: TEST_API_PORT + 20,
    lambdaPort: TEST_API_PORT + 22,
    wsPort: TEST_API_PORT + 24,
    env: { DATABASE_URL: PRIMARY, DATABASE_READ_URL: REPLICA, REDIS_URL: "", ...SUITE_RATE_LIMITS },
  });
  await setApplyDelay(LAG_MS);
}, 180_000);

afterAll(async () => {
  await setApplyDelay(0).catch(() => {});
  await stack?.stop();
});

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...authHeaders("editor"),
      ...(body ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: text ? JSON.parse(text) : null,
    lsn: response.headers.get("x-write-lsn"),
    source: response.headers.get("x-read-source"),
  };
}

describe("reads from a lagging replica, with read-your-writes", () => {
  it("when a client creates and updates a task, then with its write position it reads each write at once, and without it the replica's lag shows", async () => {
    const created = await call("POST", "/tasks", {}, { title: "replica lag probe", priority: "low" });
    expect(created.status).toBe(201);
    expect(created.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const id = created.json.id as string;

    // The replica holds the commit back: without the position the read is the replica's, where the
    // task does not exist yet (the primary has it).
    const blind = await call("GET", `/tasks/${id}`);
    expect(blind.status).toBe(404);

    const own = await call("GET", `/tasks/${id}`, { "X-Read-After-LSN": created.lsn ?? "" });
    expect(own.status).toBe(200);
    expect(own.source).toBe("primary");
    expect(own.json.title).toBe("replica lag probe");

    const updated = await call(
      "PATCH",
      `/tasks/${id}`,
      { "If-Match": '"1"' },
      { title: "replica lag, second" },
    );
    expect(updated.status).toBe(200);
    const afterUpdate = await call("GET", `/tasks/${id}`, { "X-Read-After-LSN": updated.lsn ?? "" });
    expect(afterUpdate.json.title).toBe("replica lag, second");
    const listed = await call("GET", "/tasks?q=replica%20lag%2C%20second", {
      "X-Read-After-LSN": updated.lsn ?? "",
    });
    expect(listed.json.items.map((item: { id: string }) => item.id)).toContain(id);

    // Once the replica has replayed the write, the same position reads the replica.
    await replayed(updated.lsn ?? "");
    const caughtUp = await call("GET", `/tasks/${id}`, { "X-Read-After-LSN": updated.lsn ?? "" });
    expect(caughtUp.source).toBe("replica");
    expect(caughtUp.json.title).toBe("replica lag, second");
  });

  it("when a client deletes a task, then with its position it no longer finds it, though the lagging replica still has it", async () => {
    const created = await call("POST", "/tasks", {}, { title: "replica delete probe", priority: "low" });
    await replayed(created.lsn ?? "");
    const deleted = await call("DELETE", `/tasks/${created.json.id}`);
    expect(deleted.status).toBe(204);
    expect((await call("GET", `/tasks/${created.json.id}`)).status).toBe(200);
    expect(
      (await call("GET", `/tasks/${created.json.id}`, { "X-Read-After-LSN": deleted.lsn ?? "" })).status,
    ).toBe(404);
  });

  it("when the write position is not a WAL position, then the read is refused with a 400", async () => {
    const bad = await call("GET", "/tasks?limit=1", { "X-Read-After-LSN": "yesterday" });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBeDefined();
  });
});
