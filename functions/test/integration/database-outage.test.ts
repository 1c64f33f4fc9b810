import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { invoke } from "../support/events";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../support/services";

/** A TCP proxy in front of PostgreSQL that the test can cut and restore, as an outage would. */
function outageProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let mode: "up" | "refuse" | "blackhole" = "up";
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    if (mode === "refuse") return client.destroy();
    if (mode === "blackhole") return; // accepts, never answers
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  return {
    listen: () =>
      new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
      ),
    set(next: typeof mode) {
      mode = next;
      if (next !== "up") for (const socket of sockets) socket.destroy();
    },
    close() {
      this.set("refuse");
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

type HttpFunction = typeof import("../../src/handlers/list-tasks").handler;

describe("when PostgreSQL goes away", () => {
  const proxy = outageProxy(new URL(TEST_DATABASE_URL));
  let handlers: { list: HttpFunction; health: HttpFunction };

  beforeAll(async () => {
    const port = await proxy.listen();
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(port);
    vi.resetModules();
    process.env.DATABASE_URL = url.toString();
    // Uncached, so every request needs PostgreSQL (a cached page would rightly still answer 200).
    process.env.REDIS_URL = "";
    handlers = {
      list: (await import("../../src/handlers/list-tasks")).handler,
      health: (await import("../../src/handlers/health")).handler,
    };
    process.env.DATABASE_URL = TEST_DATABASE_URL;
    process.env.REDIS_URL = TEST_REDIS_URL;
  });
  afterAll(async () => {
    await proxy.close();
  });

  it("then requests get a 503 JSON error within 2 s, and succeed again once it is back, without a restart", async () => {
    expect((await invoke(handlers.list, { query: { limit: "1" } })).statusCode).toBe(200);

    for (const mode of ["refuse", "blackhole"] as const) {
      proxy.set(mode);
      const started = performance.now();
      const down = await invoke(handlers.list, { query: { limit: "1" } });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(down.statusCode).toBe(503);
      expect(down.json().error.code).toBe("service_unavailable");
      expect(down.headers["Retry-After"]).toBe("1");
      const health = await invoke(handlers.health);
      expect(health.statusCode).toBe(503);

      proxy.set("up");
      expect((await invoke(handlers.list, { query: { limit: "1" } })).statusCode).toBe(200);
    }
  });
});
