// The position index's rebuild on a loaded box, where it has to get through 2,000 batches at 10M
// tasks: one slow batch (past the cache client's 250 ms command timeout) is sent again instead of
// throwing the whole build away, and a kick that comes while a build runs (a seed moving the epoch
// under it) is not lost. On a private redis-server the test can stall (SIGSTOP), never the shared one.
import { afterAll, describe, expect, it, vi } from "vitest";
import type { PrivateRedis } from "../support/private-redis";

const redisServer: PrivateRedis = await vi.hoisted(async () => {
  const { startPrivateRedis } = await import("../support/private-redis");
  // A port of this checkout's range, next to its test stack (others take +61 and +65).
  const server = await startPrivateRedis([], Number(process.env.TEST_API_PORT ?? 3100) + 67);
  process.env.REDIS_URL = server.url;
  return server;
});

const { closeCache } = await import("../../src/cache/health");
const { indexSnapshot, invalidateAll, kickIndexRebuild } = await import("../../src/cache/position-index");
const { localStats } = await import("../../src/cache/stats");
const { closePool, query } = await import("../../src/platform/db");
const { redisHealthy } = await import("../../src/platform/redis");
const { rebuildTaskIndex } = await import("../../src/tasks/service");
const { waitFor } = await import("../support/cache-kit");
const { insertTasksSql, uniqueMarker } = await import("../support/factories");

const tag = uniqueMarker("rbt");
await insertTasksSql(1_000, tag, 40);

afterAll(async () => {
  redisServer.resume();
  await query("delete from tasks where $1 = any(tags)", [tag]);
  await closeCache();
  await closePool();
  await redisServer.kill();
});

async function liveIdsByCreatedDesc(): Promise<string[]> {
  const result = await query<{ id: string }>(
    `select id::text as id from tasks t where t.expires_at is null or t.expires_at > now()
     order by t.created_at desc, t.id desc`,
  );
  return result.rows.map((row) => row.id);
}

describe("a batch that outlasts the command timeout", () => {
  it("when Redis stalls during one batch and then answers, then the batch is sent again and the index ends complete", async () => {
    await invalidateAll(false);
    const errorsBefore = localStats.errors;
    let batches = 0;
    const result = await rebuildTaskIndex({
      force: true,
      batchSize: 200,
      afterBatchRead: async () => {
        batches += 1;
        if (batches !== 2) return;
        // Longer than one command timeout (250 ms) and the first wait (200 ms): two sends time out.
        redisServer.pause();
        setTimeout(() => redisServer.resume(), 700);
      },
    });
    expect(result).toMatchObject({ built: true });
    expect(result.built && result.retries).toBeGreaterThanOrEqual(1);
    expect(await indexSnapshot()).toEqual(await liveIdsByCreatedDesc());
    // A slow batch is not a cache failure: requests go on using the cache.
    expect(localStats.errors).toBe(errorsBefore);
    expect(redisHealthy()).toBe(true);
  }, 20_000);
});

describe("a kick while a rebuild runs", () => {
  it("when the epoch moves under a running background rebuild, then the kick that came with it runs after it", async () => {
    await waitFor(async () => (await rebuildTaskIndex({ force: true })).built);
    const rebuildsBefore = localStats.rebuilds;
    let entered: () => void = () => {};
    const inFirstBatch = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    kickIndexRebuild({
      force: true,
      batchSize: 200,
      afterBatchRead: async () => {
        entered();
        await released;
      },
    });
    await inFirstBatch;
    // A seed's invalidation: the running build's epoch (and its lock) is gone, and it kicks again.
    expect(await invalidateAll()).toBe(true);
    release();
    // Nothing else builds here (no maintain, no read): only the remembered kick can.
    const snapshot = await waitFor(() => indexSnapshot(), 15_000);
    expect(snapshot).toEqual(await liveIdsByCreatedDesc());
    expect(localStats.rebuilds).toBe(rebuildsBefore + 1);
  }, 30_000);
});

describe("a Redis that does not come back", () => {
  // Last in the file: the build that gave up still holds its lock (30 s) in the stalled Redis.
  it("when Redis stays stalled through every retry, then the rebuild gives up within seconds and says so", async () => {
    await invalidateAll(false);
    let stalled = false;
    const started = performance.now();
    const result = await rebuildTaskIndex({
      force: true,
      batchSize: 200,
      afterBatchRead: async () => {
        if (stalled) return;
        stalled = true;
        redisServer.pause();
      },
    });
    redisServer.resume();
    expect(result).toEqual({ built: false, reason: "failed" });
    // Five sends of 250 ms and waits of 0.2 + 0.4 + 0.8 + 1.6 s: inside the 30 s lock.
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 30_000);
});
