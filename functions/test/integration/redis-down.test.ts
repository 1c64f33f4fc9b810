// Redis unreachable from the start (REDIS_URL at a port nothing listens on): the cache and the live
// feed share one client and one breaker, so no write, read or counter request waits for Redis.
// Before they shared it, every create waited the live store's whole connect timeout (500 ms by
// default). This file sets that timeout to 3 s, so the bound below separates the two behaviours
// by a wide margin whatever else the machine is doing.
import net from "node:net";
import { afterAll, describe, expect, it, vi } from "vitest";

const deadUrl: string = await vi.hoisted(async () => {
  // A port taken from the OS and released: nothing listens there for the life of this file.
  const { createServer } = await import("node:net");
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as import("node:net").AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const url = `redis://127.0.0.1:${port}`;
  process.env.REDIS_URL = url;
  process.env.REDIS_CONNECT_TIMEOUT_MS = "3000";
  return url;
});

const { invoke } = await import("../support/events");
const { uniqueMarker } = await import("../support/factories");
const { importHandlers, timed } = await import("../support/http-handlers");
const handlers = await importHandlers();
const { closeRedis } = await import("../../src/platform/redis");

/** Far below the 3 s connect timeout a request used to pay, far above a PostgreSQL write here. */
const FAST_MS = 750;

const create = (title: string) =>
  timed(() => invoke(handlers.create, { method: "POST", path: "/tasks", body: { title } }));

afterAll(async () => {
  await closeRedis();
});

describe("Redis unreachable", () => {
  it("when Redis refuses connections, then creates, updates, gets and lists answer without waiting for Redis", async () => {
    // Nothing listens there: a connect is refused at once.
    await expect(
      new Promise((resolve, reject) => {
        const socket = net.connect(Number(new URL(deadUrl).port), "127.0.0.1");
        socket.once("connect", () => resolve(socket.destroy()));
        socket.once("error", reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);

    const marker = uniqueMarker("rd");
    // Even the first request, which waits for the first connection attempt, is not held up: the
    // refused connection ends that wait.
    const first = await create(`${marker} first`);
    expect(first.statusCode).toBe(201);
    expect(first.ms).toBeLessThan(FAST_MS);

    const creates = [];
    for (let i = 0; i < 6; i += 1) creates.push(await create(`${marker} ${i}`));
    for (const response of creates) expect(response.statusCode).toBe(201);
    expect(Math.max(...creates.map((r) => r.ms))).toBeLessThan(FAST_MS);

    const id = String((JSON.parse(creates[0]?.body ?? "{}") as { id: string }).id);
    const update = await timed(() =>
      invoke(handlers.update, {
        method: "PATCH",
        path: `/tasks/${id}`,
        pathParameters: { id },
        body: { status: "done" },
      }),
    );
    expect(update.statusCode).toBe(200);
    expect(update.ms).toBeLessThan(FAST_MS);

    const got = await timed(() => invoke(handlers.get, { path: `/tasks/${id}`, pathParameters: { id } }));
    expect(got.statusCode).toBe(200);
    expect(JSON.parse(got.body).status).toBe("done");
    expect(got.headers?.["X-Cache"]).toBe("bypass");
    expect(got.ms).toBeLessThan(FAST_MS);

    const listed = await timed(() => invoke(handlers.list, { path: "/tasks", query: { q: marker } }));
    expect(listed.statusCode).toBe(200);
    expect(JSON.parse(listed.body).items).toHaveLength(7);
    expect(listed.ms).toBeLessThan(FAST_MS);
  });

  it("when Redis is away, then health says degraded and the activity counters answer 503 at once", async () => {
    const health = await invoke(handlers.health, { path: "/health" });
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body).status).toBe("degraded");

    const activity = await timed(() => invoke(handlers.activity, { path: "/tasks/activity" }));
    expect(activity.statusCode).toBe(503);
    expect(JSON.parse(activity.body).error.code).toBe("service_unavailable");
    expect(activity.ms).toBeLessThan(FAST_MS);
  });
});
