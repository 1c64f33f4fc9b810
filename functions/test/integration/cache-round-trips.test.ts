// Issue 15: on a miss, the Redis work cost more than the PostgreSQL work (four round trips for a
// query page, fifty entries written back after a random jump). Watched on a private redis-server
// with MONITOR, so every command the functions send is seen, and nobody else's: a miss now costs
// one round trip before PostgreSQL and at most one after, and entries are stored on a second miss.
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
const { handler: getTask } = await import("../../src/handlers/get-task");
const { handler: listTasks } = await import("../../src/handlers/list-tasks");
const { query } = await import("../../src/platform/db");
const { ensureIndex } = await import("../support/cache-kit");
const { invoke } = await import("../support/events");
const { insertTasksSql, makeTask, uniqueMarker } = await import("../support/factories");

const tag = uniqueMarker("rt");
const inspector = new Redis(redis.url);
const monitor = await new Redis(redis.url).monitor();
/** Commands the functions sent (not those a script ran, not the rate limiter's), in order. */
let sent: string[] = [];
monitor.on("monitor", (_time: string, args: string[], source: string) => {
  const [command = "", ...rest] = args;
  if (source === "lua" || rest.some((arg) => arg.startsWith("rl:"))) return;
  // Nor a background build of the position index, which this process may run while a test reads:
  // its commands name the index keys; a read (mtIndexRead) names the doorkeeper key too.
  const indexBuild = rest.some((arg) => /:idx(:lock|:build|:touched|:meta)?$/.test(arg));
  if (indexBuild && !rest.some((arg) => arg.endsWith(":ts"))) return;
  // ioredis sends a script's body (EVAL) the first time, its hash (EVALSHA) after.
  sent.push(/^eval(sha)?$/i.test(command) ? "script" : command.toLowerCase());
});

/** What the functions send to Redis while `fn` runs (MONITOR lags the commands a little). */
async function commandsOf(fn: () => Promise<unknown>): Promise<string[]> {
  await inspector.ping();
  await new Promise((resolve) => setTimeout(resolve, 50));
  sent = [];
  await fn();
  await new Promise((resolve) => setTimeout(resolve, 100));
  return sent.filter((command) => command !== "hincrby" && command !== "expire");
}

const list = (q: Record<string, string>) => invoke(listTasks, { path: "/tasks", query: q });
const get = (id: string) => invoke(getTask, { path: `/tasks/${id}`, pathParameters: { id } });

beforeAll(async () => {
  expect(process.env.REDIS_URL).toBe(redis.url);
  await insertTasksSql(60, tag, 60);
  // Warm the process: identity, epoch and generation are read once per process, not per request.
  await list({ tag, limit: "1", sort: "title" });
}, 60_000);

afterAll(async () => {
  await query("delete from tasks where $1 = any(tags)", [tag]);
  await closeCache();
  monitor.disconnect();
  await inspector.quit();
  await redis.kill();
}, 60_000);

describe("Redis round trips on a miss", () => {
  it("when a query page is asked for the first time, then one script runs before PostgreSQL and only the fill lock is dropped after", async () => {
    const commands = await commandsOf(async () => {
      expect((await list({ tag, sort: "title", limit: "20", q: "Bulk 1" })).headers["X-Cache"]).toBe("miss");
    });
    expect(commands).toEqual(["script", "del"]);
  });

  it("when the same query is asked again, then its page is stored in the one round trip after PostgreSQL, and the third ask is one script", async () => {
    const q = { tag, sort: "-dueAt", limit: "20", q: "Bulk 2" };
    await list(q);
    const second = await commandsOf(() => list(q));
    // A pipeline: the page and the lock in one round trip.
    expect(second).toEqual(["script", "set", "del"]);
    const third = await commandsOf(async () => expect((await list(q)).headers["X-Cache"]).toBe("hit"));
    expect(third).toEqual(["script"]);
  });

  it("when a jump in the default order misses its tasks, then one script reads the slice and their entries before PostgreSQL, and a first miss writes nothing back", async () => {
    await ensureIndex();
    const commands = await commandsOf(async () => {
      expect((await list({ offset: "7", limit: "5" })).statusCode).toBe(200);
    });
    expect(commands).toEqual(["script"]);
  }, 120_000);

  it("when a task is missed once, then nothing is written back; when it is missed again, then it is stored and the next read is a hit", async () => {
    // Made in SQL, so nothing is cached for it yet.
    const task = await makeTask({ title: `Admission ${tag}`, tags: [tag] });
    const entryKeys = () => inspector.keys(`*:t:${task.id}`);

    const first = await commandsOf(async () => expect((await get(task.id)).headers["X-Cache"]).toBe("miss"));
    expect(first).toEqual(["script"]);
    expect(await entryKeys()).toEqual([]);

    const second = await commandsOf(async () => expect((await get(task.id)).headers["X-Cache"]).toBe("miss"));
    // The read, then the refill.
    expect(second).toEqual(["script", "script"]);
    expect(await entryKeys()).toHaveLength(1);
    expect((await get(task.id)).headers["X-Cache"]).toBe("hit");
  });
});
