import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../../scripts/lib/embedded-postgres";
import { MIGRATIONS_DIR, migrate } from "../../src/platform/migrations";
import { invoke } from "../support/events";
import { TEST_DATABASE_URL } from "../support/services";

// The embedded default `npm start` uses without DATABASE_URL: the same migrations and handlers run
// on PGlite over the wire protocol, and a bulk seed is refused instead of hanging it.
describe("the embedded PostgreSQL (PGlite)", () => {
  let embedded: EmbeddedPostgres;
  let dataDir: string;
  let handlers: {
    create: typeof import("../../src/handlers/create-task").handler;
    list: typeof import("../../src/handlers/list-tasks").handler;
    seed: typeof import("../../src/handlers/seed").handler;
    closePool: () => Promise<void>;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "pglite-"));
    embedded = await startEmbeddedPostgres(dataDir, 5_600 + Math.floor(Math.random() * 300));
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
    await rm(dataDir, { recursive: true, force: true });
  });

  it("when tasks are created and listed, then the API works on it as on a server", async () => {
    const created = await invoke(handlers.create, { method: "POST", body: { title: "Embedded" } });
    expect(created.statusCode).toBe(201);
    const page = await invoke(handlers.list, { query: { q: "Embedded" } });
    expect(page.json().items.map((item: { id: string }) => item.id)).toEqual([created.json().id]);
  });

  it("when a seed is invoked, then it is refused with a message naming the fix, and the database still answers", async () => {
    await expect(handlers.seed({ count: 1_000 })).rejects.toThrow(/needs a PostgreSQL server.*DATABASE_URL/);
    expect((await invoke(handlers.list, { query: { limit: "1" } })).statusCode).toBe(200);
  });
});
