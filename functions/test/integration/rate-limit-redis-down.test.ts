// The limiter with its Redis killed (a private redis-server of this file's own): each instance
// counts in memory meanwhile, budgets still hold, and no request waits on Redis for its limit.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { PrivateRedis } from "../support/private-redis";

const redisServer: PrivateRedis = await vi.hoisted(async () => {
  const { startPrivateRedis } = await import("../support/private-redis");
  // A port of this checkout's range (the shared machine's convention), next to its test stack.
  const server = await startPrivateRedis([], Number(process.env.TEST_API_PORT ?? 3100) + 61);
  process.env.REDIS_URL = server.url;
  process.env.RATE_LIMIT_READ = "20";
  process.env.RATE_LIMIT_WINDOW_SECONDS = "30";
  return server;
});

const { mintDevToken } = await import("../../../scripts/lib/dev-keys");
const { invoke } = await import("../support/events");
const { makeTask } = await import("../support/factories");
const getTask = (await import("../../src/handlers/get-task")).handler;
const { closeRedis, redisClient, redisHealthy } = await import("../../src/platform/redis");

afterAll(async () => {
  await closeRedis();
  await redisServer.kill();
});

describe("rate limits with Redis down", () => {
  it("when Redis dies mid-window, then the in-memory limiter takes over at once and still enforces the budget", async () => {
    const task = await makeTask();
    const id = `rl-down-${randomUUID().slice(0, 8)}`;
    const headers = { authorization: `Bearer ${mintDevToken({ sub: id, role: "viewer", ttlSeconds: 600 })}` };
    const get = () =>
      invoke(getTask, { path: `/tasks/${task.id}`, pathParameters: { id: task.id }, headers });

    for (let i = 0; i < 5; i += 1) expect((await get()).statusCode).toBe(200);
    // Counted in Redis while it was there.
    expect(await redisClient()?.get(`rl:read:a:${id}`)).toBe("5");

    await redisServer.kill();
    const codes: number[] = [];
    for (let i = 0; i < 25; i += 1) codes.push((await get()).statusCode);
    // The memory limiter starts its own count: 20 pass, the rest are refused, none fails.
    expect(codes.filter((code) => code === 200)).toHaveLength(20);
    expect(codes.filter((code) => code === 429)).toHaveLength(5);
    // The breaker is open: requests count in memory without asking Redis (no timeout to wait for).
    expect(redisHealthy()).toBe(false);

    await redisServer.start();
    // Back to Redis once the breaker's probe closes it; the new server starts an empty count.
    const deadline = Date.now() + 10_000;
    while (!redisHealthy() && Date.now() < deadline) {
      await get();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(redisHealthy()).toBe(true);
    const response = await get();
    expect(response.statusCode).toBe(200);
    expect(Number(await redisClient()?.get(`rl:read:a:${id}`))).toBeGreaterThanOrEqual(1);
  });
});
