import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../../scripts/lib/embedded-postgres";
import { MIGRATIONS_DIR, migrate } from "../../src/platform/migrations";
import { invoke } from "../support/events";
import { TEST_DATABASE_URL } from "../support/services";

// The default `npm start` uses without DATABASE_URL: a real PostgreSQL 18 from the npm registry.
// Everything that works on a server works on it: migrations, the handlers, parallel seeding.
// Its data directory sits under .data/ as npm start's does (as root, the server runs as the OS
// user `postgres`, which must reach it: /tmp would do too, /root would not).
const PORT = Number(process.env.TEST_EMBEDDED_PG_PORT ?? 5_600 + Math.floor(Math.random() * 300));
const ROOT = path.resolve(__dirname, "../../..");

async function count(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>("select count(*) as n from tasks")).rows[0]?.n);
  } finally {
    await client.end();
  }
}

describe("the embedded PostgreSQL", () => {
  let embedded: EmbeddedPostgres;
  let dataDir: string;
  let handlers: {
    create: typeof import("../../src/handlers/create-task").handler;
    list: typeof import("../../src/handlers/list-tasks").handler;
    seed: typeof import("../../src/handlers/seed").handler;
    closePool: () => Promise<void>;
  };

  beforeAll(async () => {
    await mkdir(path.join(ROOT, ".data"), { recursive: true });
    const parent = await mkdtemp(path.join(ROOT, ".data/embedded-test-"));
    await chmod(parent, 0o755); // mkdtemp makes it root-only; see the test of that below
    dataDir = path.join(parent, "postgres");
    embedded = await startEmbeddedPostgres({ dataDir, port: PORT });
    const client = new pg.Client({ connectionString: embedded.url });
    await client.connect();
    await migrate(client, MIGRATIONS_DIR);
    await client.end();
    vi.resetModules();
    process.env.DATABASE_URL = embedded.url;
    handlers = {
      create: (await import("../../src/handlers/create-task")).handler,
      list: (await import("../../src/handlers/list-tasks")).handler,
      seed: (await import("../../src/handlers/seed")).handler,
      closePool: (await import("../../src/platform/db")).closePool,
    };
    process.env.DATABASE_URL = TEST_DATABASE_URL;
  }, 120_000);

  afterAll(async () => {
    await handlers?.closePool();
    await embedded?.stop();
    if (dataDir) await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  it("when it starts on a new directory, then it is PostgreSQL 18 with pg_trgm, created by this start", async () => {
    expect(embedded.created).toBe(true);
    const client = new pg.Client({ connectionString: embedded.url });
    await client.connect();
    const version = await client.query<{ v: string }>("select current_setting('server_version_num') as v");
    const trgm = await client.query("select 1 from pg_extension where extname = 'pg_trgm'");
    await client.end();
    expect(Number(version.rows[0]?.v)).toBeGreaterThanOrEqual(180_000);
    expect(trgm.rowCount).toBe(1);
  });

  it("when tasks are created and listed, then the API works on it as on a server", async () => {
    const created = await invoke(handlers.create, { method: "POST", body: { title: "Embedded" } });
    expect(created.statusCode).toBe(201);
    const page = await invoke(handlers.list, { query: { q: "Embedded" } });
    expect(page.json().items.map((item: { id: string }) => item.id)).toEqual([created.json().id]);
  });

  it("when a seed loads chunks two at a time, then every row arrives and the API lists them", async () => {
    const result = await handlers.seed({ action: "run", count: 12_000, truncate: true, chunkRows: 3_000 });
    expect("plan" in result && result.plan.chunks).toBe(4);
    expect(await count(embedded.url)).toBe(12_000);
    const page = await invoke(handlers.list, { query: { limit: "1" } });
    expect(page.json().total).toEqual({ value: 12_000, exact: true });
  }, 60_000);

  it("when it is stopped and started again, then the data is still there and nothing is re-created", async () => {
    await handlers.closePool();
    await embedded.stop();
    embedded = await startEmbeddedPostgres({ dataDir, port: PORT });
    expect(embedded.created).toBe(false);
    expect(await count(embedded.url)).toBe(12_000);
  });

  it("when a start finds the server of a start that died still running, then it replaces it", async () => {
    // The previous start "died": its server keeps running; a new start takes the directory over.
    const orphanPid = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
    embedded = await startEmbeddedPostgres({ dataDir, port: PORT });
    expect(embedded.created).toBe(false);
    expect(await count(embedded.url)).toBe(12_000);
    expect(() => process.kill(orphanPid, 0)).toThrow();
  }, 60_000);

  it.runIf(process.getuid?.() === 0)(
    "when root starts it under a directory only root can enter, then it fails at once, naming the fix",
    async () => {
      const privateParent = await mkdtemp(path.join(ROOT, ".data/embedded-private-"));
      try {
        await expect(
          startEmbeddedPostgres({ dataDir: path.join(privateParent, "postgres"), port: PORT + 1 }),
        ).rejects.toThrow(/OS user "postgres".*cannot reach.*DATABASE_URL/s);
      } finally {
        await rm(privateParent, { recursive: true, force: true });
      }
    },
  );
});
