// Issue 11, finding 7: every distinct query stored its page for 10 minutes with no bound (200
// requests with distinct queries added 19.7 MB to Redis). Measured on a private redis-server so
// nobody else's keys blur the numbers: a page is now stored on its query's second ask within the
// window, and a one-off query leaves only a small marker.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { PrivateRedis } from "../support/private-redis";

const redis: PrivateRedis = await vi.hoisted(async () => {
  const kit = await import("../support/private-redis");
  const server = await kit.startPrivateRedis();
  process.env.REDIS_URL = server.url;
  return server;
});

const { default: Redis } = await import("ioredis");
const { closeCache } = await import("../../src/cache/health");
const { handler: listTasks } = await import("../../src/handlers/list-tasks");
const { query } = await import("../../src/platform/db");
const { invoke } = await import("../support/events");
const { insertTasksSql, uniqueMarker } = await import("../support/factories");

const tag = uniqueMarker("adm");
const QUERIES = 200;
const inspector = new Redis(redis.url);

async function usedMemory(): Promise<number> {
  const info = await inspector.info("memory");
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}

/** The i-th of many distinct queries: full pages of 200 rows of this file's tasks. */
const distinct = (i: number) => ({
  tag,
  sort: i % 2 ? "title" : "-dueAt",
  limit: "200",
  offset: String(i),
  q: "Bulk",
});

const list = (q: Record<string, string>) => invoke(listTasks, { path: "/tasks", query: q });

beforeAll(async () => {
  expect(process.env.REDIS_URL).toBe(redis.url);
  // Titles are "Bulk <n>": 400 tasks give every query below a full page of 200.
  await insertTasksSql(400, tag, 400);
}, 60_000);

afterAll(async () => {
  await query("delete from tasks where $1 = any(tags)", [tag]);
  await closeCache();
  await inspector.quit();
  await redis.kill();
}, 60_000);

describe("query page admission", () => {
  it("when 200 distinct queries are asked once each, then Redis grows by a marker each, not a page each", async () => {
    await list({ tag, limit: "1" });
    const before = await usedMemory();
    let pageBytes = 0;
    for (let i = 0; i < QUERIES; i += 1) {
      const response = await list(distinct(i));
      expect(response.statusCode).toBe(200);
      expect(response.headers["X-Cache"]).toBe("miss");
      pageBytes += response.body.length;
    }
    const grown = (await usedMemory()) - before;
    console.log(
      JSON.stringify({
        queries: QUERIES,
        pagesKB: Math.round(pageBytes / 1024),
        redisGrowthKB: Math.round(grown / 1024),
        perQueryBytes: Math.round(grown / QUERIES),
      }),
    );
    // The pages alone are ~10 MB; markers are ~100 B each.
    expect(pageBytes).toBeGreaterThan(5_000_000);
    expect(grown).toBeLessThan(QUERIES * 400);
  });

  it("when a query is asked again within the window, then its page is stored and the third ask is a hit", async () => {
    const q = { tag, sort: "title", limit: "50", q: "Bulk 1" };
    expect((await list(q)).headers["X-Cache"]).toBe("miss");
    expect((await list(q)).headers["X-Cache"]).toBe("miss");
    const third = await list(q);
    expect(third.headers["X-Cache"]).toBe("hit");
    expect(third.json().items.length).toBeGreaterThan(0);
  });
});
