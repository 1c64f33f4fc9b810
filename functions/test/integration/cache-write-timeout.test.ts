// A write-through that times out on a connected Redis (a stalled or busy server, not a lost one).
// Only the function that wrote knows it failed; every other function's process goes on reading the
// same key space. So the writer moves the epoch itself before it answers, when Redis takes that
// second command, instead of leaving it to a retry timer while others serve the older state (seen
// once as a first page missing three just-created tasks under a loaded run of the fuzz suite).
import { afterAll, describe, expect, it, vi } from "vitest";
import type { PrivateRedis } from "../support/private-redis";

const redisServer: PrivateRedis = await vi.hoisted(async () => {
  const { startPrivateRedis } = await import("../support/private-redis");
  // A port of this checkout's range, next to its test stack (the rate-limit file takes +61).
  const server = await startPrivateRedis([], Number(process.env.TEST_API_PORT ?? 3100) + 65);
  process.env.REDIS_URL = server.url;
  // Wide enough that a retry sent while the server is stalled comes back within it once resumed.
  process.env.REDIS_COMMAND_TIMEOUT_MS = "1500";
  return server;
});

const { writeThrough } = await import("../../src/cache/entries");
const { closeCache } = await import("../../src/cache/health");
const { epochKey } = await import("../../src/cache/keys");
const { cacheClient, cacheState, currentSpace } = await import("../../src/cache/state");
const { closePool } = await import("../../src/platform/db");
const { readTask } = await import("../../src/tasks/service");
const { makeTask } = await import("../support/factories");

afterAll(async () => {
  await closeCache();
  await closePool();
  await redisServer.kill();
});

describe("a write-through that times out", () => {
  it("when Redis stalls past the command timeout and then answers, then the epoch has moved before the write returns", async () => {
    const task = await makeTask();
    // The record as the write path hands it over (PostgreSQL's row), read before the stall.
    const record = await readTask(task.id);
    const redis = cacheClient();
    if (!redis) throw new Error("no cache client");
    const space = await currentSpace(redis);
    const before = await redis.get(epochKey(space.db));
    expect(before).toBe(space.epoch);

    redisServer.pause();
    // Resumed after the write's own command timed out (1.5 s), while the epoch move (given half a
    // command timeout, 0.75 s) waits for its answer.
    const resume = setTimeout(() => redisServer.resume(), 1_800);
    try {
      const started = performance.now();
      await writeThrough({ op: "put", task: { ...record, version: record.version + 1 } });
      expect(performance.now() - started).toBeGreaterThan(1_500);
    } finally {
      clearTimeout(resume);
      redisServer.resume();
    }

    expect(cacheState.owesInvalidation).toBe(false);
    const after = await redis.get(epochKey(space.db));
    expect(after).not.toBe(before);
    expect(after).toBe(cacheState.space?.epoch);
  }, 20_000);
});
