// Issue 11, finding 4: two stacks over two empty databases and one Redis database. Before the cache
// named its key spaces after the database, a task created through A was listed and fetched
// (X-Cache: hit) through B, while B's own stats said 0.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, migrate } from "../../src/platform/migrations";
import { SUITE_RATE_LIMITS, TEST_API_PORT, TEST_DATABASE_URL, TEST_REDIS_URL } from "../support/services";
import { type Stack, startStack } from "../support/stack";
import { authHeaders } from "../support/tokens";

/** Sibling databases of the test database (h11_test -> h11_test_a), recreated empty for this file. */
function sibling(suffix: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `${url.pathname}_${suffix}`;
  return url.toString();
}

async function recreateDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const target = new pg.Client({ connectionString: url });
  await target.connect();
  try {
    await migrate(target, MIGRATIONS_DIR);
  } finally {
    await target.end();
  }
}

const DATABASE_A = sibling("a");
const DATABASE_B = sibling("b");
let a: Stack;
let b: Stack;

beforeAll(async () => {
  await Promise.all([recreateDatabase(DATABASE_A), recreateDatabase(DATABASE_B)]);
  // Clear of the shared stack (TEST_API_PORT..+4) and the browser stack (+40..+44).
  [a, b] = await Promise.all([
    startStack({
      apiPort: TEST_API_PORT + 60,
      lambdaPort: TEST_API_PORT + 62,
      wsPort: TEST_API_PORT + 64,
      env: { DATABASE_URL: DATABASE_A, REDIS_URL: TEST_REDIS_URL, ...SUITE_RATE_LIMITS },
    }),
    startStack({
      apiPort: TEST_API_PORT + 70,
      lambdaPort: TEST_API_PORT + 72,
      wsPort: TEST_API_PORT + 74,
      env: { DATABASE_URL: DATABASE_B, REDIS_URL: TEST_REDIS_URL, ...SUITE_RATE_LIMITS },
    }),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

async function call(stack: Stack, path: string, init: RequestInit = {}) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...authHeaders("editor"), ...init.headers },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    cache: response.headers.get("x-cache"),
    json: text ? JSON.parse(text) : null,
  };
}

const create = (stack: Stack, title: string) =>
  call(stack, "/tasks", { method: "POST", body: JSON.stringify({ title }) });

describe("two databases behind one Redis", () => {
  it("when a task is created and cached through database A, then database B neither fetches nor lists it", async () => {
    const created = await create(a, "only in A");
    expect(created.status).toBe(201);
    const id: string = created.json.id;
    // Both databases are new, so B would number its first task the same.
    expect(id).toBe("1");
    await call(a, `/tasks/${id}`);
    const cachedInA = await call(a, `/tasks/${id}`);
    expect(cachedInA).toMatchObject({ status: 200, cache: "hit" });
    const firstPageA = await call(a, "/tasks?limit=10");
    await call(a, "/tasks?limit=10&sort=title");
    expect(firstPageA.json.items.map((task: { id: string }) => task.id)).toEqual([id]);

    const fetchedInB = await call(b, `/tasks/${id}`);
    expect(fetchedInB.status).toBe(404);
    expect(fetchedInB.cache).not.toBe("hit");
    for (const path of [
      "/tasks?limit=10",
      "/tasks?limit=10",
      "/tasks?limit=10&sort=title",
      "/tasks?offset=0",
    ]) {
      const listed = await call(b, path);
      expect(listed.status, path).toBe(200);
      expect(listed.json.items, path).toEqual([]);
      expect(listed.json.total.value, path).toBe(0);
    }
    expect((await call(b, "/tasks/stats")).json.total).toBe(0);
  });

  it("when both databases hold a task with the same id, then each stack serves its own, cached", async () => {
    const inB = await create(b, "only in B");
    expect(inB.json.id).toBe("1");
    for (let i = 0; i < 2; i += 1) {
      expect((await call(b, "/tasks/1")).json.title).toBe("only in B");
      expect((await call(a, "/tasks/1")).json.title).toBe("only in A");
    }
    const titles = async (stack: Stack) =>
      (await call(stack, "/tasks?limit=10&sort=title")).json.items.map(
        (task: { title: string }) => task.title,
      );
    expect(await titles(a)).toEqual(["only in A"]);
    expect(await titles(b)).toEqual(["only in B"]);
    expect((await call(a, "/tasks/stats")).json.total).toBe(1);
    expect((await call(b, "/tasks/stats")).json.total).toBe(1);
  });
});
