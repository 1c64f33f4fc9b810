// Redis failing under load: this file's functions use a private redis-server (never the shared
// one) that the test kills, pauses and restarts while readers and writers keep going.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Response } from "../support/events";
import type { PrivateRedis } from "../support/private-redis";

const redis: PrivateRedis = await vi.hoisted(async () => {
  const kit = await import("../support/private-redis");
  const server = await kit.startPrivateRedis();
  process.env.REDIS_URL = server.url;
  return server;
});

const { invoke } = await import("../support/events");
const { uniqueMarker } = await import("../support/factories");
const { importHandlers, timed } = await import("../support/http-handlers");
const handlers = await importHandlers();
const { closeCache } = await import("../../src/cache/health");
const repo = await import("../../src/tasks/repository");
const { ensureIndex, waitFor } = await import("../support/cache-kit");

/**
 * Budget for any request while Redis is dead or stalled: a command caught by the kill or the pause
 * waits at most the command timeout (250 ms) before the shared breaker opens; after that no request
 * waits for Redis at all (redis-down.test.ts checks that).
 */
const BUDGET_MS = 1_000;

const get = (id: string) =>
  timed(() => invoke(handlers.get, { path: `/tasks/${id}`, pathParameters: { id } }));
const list = (query: Record<string, string> = {}) =>
  timed(() => invoke(handlers.list, { path: "/tasks", query }));
const stats = () => timed(() => invoke(handlers.stats, { path: "/tasks/stats" }));
const health = () => invoke(handlers.health, { path: "/health" });
const patch = (id: string, body: Record<string, unknown>) =>
  timed(() =>
    invoke(handlers.update, { method: "PATCH", path: `/tasks/${id}`, pathParameters: { id }, body }),
  );
const create = (body: Record<string, unknown>) =>
  timed(() => invoke(handlers.create, { method: "POST", path: "/tasks", body }));

beforeAll(async () => {
  expect(process.env.REDIS_URL).toBe(redis.url);
  await ensureIndex();
});

afterAll(async () => {
  await closeCache();
  await redis.kill();
});

/** Readers and a writer on every endpoint until stopped; each answer checked against PostgreSQL. */
function load(tag: string, ids: string[]) {
  let running = true;
  const slowest = { ms: 0 };
  const failures: string[] = [];
  const check = (what: string, response: Response & { ms: number }, status = 200) => {
    slowest.ms = Math.max(slowest.ms, response.ms);
    if (response.statusCode !== status) failures.push(`${what}: ${response.statusCode} ${response.body}`);
  };
  // The version of each task whose write had been answered: what every later read must show at
  // least. (A write committed but not yet answered may or may not be seen: it is still running.)
  const acknowledged = new Map<string, number>();
  const reader = async (n: number) => {
    for (let i = 0; running; i += 1) {
      const id = ids[(n + i) % ids.length] as string;
      const before = acknowledged.get(id) ?? 0;
      const got = await get(id);
      check("get", got);
      if (got.statusCode === 200 && got.json().version < before) failures.push(`stale get ${id}`);
      check("list tag", await list({ tag }));
      check("list default", await list({ offset: String(i % 5), limit: "10" }));
      check("stats", await stats());
    }
  };
  const writer = async () => {
    for (let i = 0; running; i += 1) {
      const id = ids[i % ids.length] as string;
      const written = await patch(id, { title: `Outage ${i} ${tag}` });
      check("patch", written);
      if (written.statusCode === 200) acknowledged.set(id, written.json().version);
      const after = await get(id);
      if (after.json().title !== `Outage ${i} ${tag}`) failures.push(`read-after-write lost on ${id}`);
    }
  };
  const all = Promise.all([reader(0), reader(1), reader(2), reader(3), writer()]);
  return {
    stop: async () => {
      running = false;
      await all;
      return { slowest: slowest.ms, failures };
    },
  };
}

describe("Redis killed mid-run and restarted", () => {
  it("when Redis dies under load, then every request is answered correctly from PostgreSQL, health says degraded, and the cache returns without a restart", async () => {
    const tag = uniqueMarker("kill");
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await create({ title: `K${i} ${tag}`, tags: [tag] })).json().id);
    expect((await get(ids[0] as string)).headers["X-Cache"]).toBe("hit");
    expect((await health()).json().status).toBe("ok");

    const running = load(tag, ids);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 800));
    const degraded = await health();
    expect(degraded.statusCode).toBe(200);
    expect(degraded.json()).toMatchObject({ status: "degraded", cache: { state: "degraded" } });
    expect((await get(ids[1] as string)).headers["X-Cache"]).toBe("bypass");
    await redis.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { slowest, failures } = await running.stop();
    expect(failures).toEqual([]);
    expect(slowest).toBeLessThan(BUDGET_MS);

    // Back without a restart of the functions: cached again, and equal to PostgreSQL.
    await waitFor(async () => (await health()).json().status === "ok", 10_000);
    const id = ids[2] as string;
    // A task is stored on its second miss (admission), so the third read is the first hit.
    await get(id);
    await get(id);
    const again = await get(id);
    expect(again.headers["X-Cache"]).toBe("hit");
    expect(again.json()).toEqual(JSON.parse((await repo.getTask(id)).json));
  });

  it("when Redis stalls with its data while tasks change, then after it recovers nothing stale is served", async () => {
    await ensureIndex();
    const tag = uniqueMarker("stall");
    const task = (await create({ title: `Before ${tag}`, tags: [tag] })).json();
    // Warm: the entry, the tag page, the default page and stats all hold the old state.
    expect((await get(task.id)).headers["X-Cache"]).toBe("hit");
    // A page is stored on its query's second ask (admission), so the third is the first hit.
    await list({ tag });
    await list({ tag });
    expect((await list({ tag })).headers["X-Cache"]).toBe("hit");
    await stats();
    await stats();
    expect((await stats()).headers["X-Cache"]).toBe("hit");

    redis.pause();
    try {
      const first = await patch(task.id, { title: `During ${tag}`, status: "done" });
      expect(first.statusCode).toBe(200);
      expect(first.ms).toBeLessThan(BUDGET_MS);
      const during = await get(task.id);
      expect(during.json().title).toBe(`During ${tag}`);
      expect(during.headers["X-Cache"]).toBe("bypass");
      expect(during.ms).toBeLessThan(BUDGET_MS);
      const listed = await list({ tag });
      expect(listed.json().items[0].title).toBe(`During ${tag}`);
      expect(listed.ms).toBeLessThan(BUDGET_MS);
      expect((await health()).json().status).toBe("degraded");
      // A second write while the breaker is open never reaches Redis at all (the first one's
      // timed-out command still lands when the server resumes): only the epoch move can save us.
      const second = await patch(task.id, { title: `Later ${tag}` });
      expect(second.statusCode).toBe(200);
      expect(second.ms).toBeLessThan(BUDGET_MS);
    } finally {
      redis.resume();
    }
    // The stalled server still holds the old entry and pages; none of it may come back.
    await waitFor(async () => (await get(task.id)).headers["X-Cache"] === "hit", 10_000);
    expect((await get(task.id)).json().title).toBe(`Later ${tag}`);
    expect((await list({ tag })).json().items[0].title).toBe(`Later ${tag}`);
    expect((await list({ tag })).headers["X-Cache"]).toBe("hit");
    expect((await stats()).json()).toEqual(await repo.taskStats());
  });
});
