// GET /ops through serverless-offline, as the operations page calls it: an admin gets the live
// figures of what the stack just served (counts, 4xx apart, latency percentiles, cache outcomes,
// access patterns), everyone else a clear 401/403; the WebSocket's `ops` message answers the same.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { OpsSnapshot, RouteFigures } from "#contract/ops";
import { closeCache } from "../../src/cache/health";
import { query } from "../../src/platform/db";
import { invalidateCaches } from "../../src/tasks/service";
import { waitFor } from "../support/cache-kit";
import { insertTasksSql, uniqueMarker } from "../support/factories";
import { authHeaders, tokenFor, withAuth } from "../support/tokens";

const api = inject("apiUrl");
const wsUrl = inject("wsUrl");
const tag = uniqueMarker("ops");
let ids: string[] = [];

async function ops(): Promise<OpsSnapshot> {
  const response = await fetch(`${api}/ops`, withAuth({}, "admin"));
  expect(response.status).toBe(200);
  return (await response.json()) as OpsSnapshot;
}

const routeOf = (snapshot: OpsSnapshot, route: string): RouteFigures | undefined =>
  snapshot.routes.find((figures) => figures.route === route);

beforeAll(async () => {
  await insertTasksSql(50, tag);
  // Rows written behind the cache's back: the cache must forget what it holds (CACHE.md).
  await invalidateCaches({ rebuild: true });
  ids = (
    await query<{ id: string }>("select id::text from tasks where $1 = any(tags) order by id", [tag])
  ).rows.map((row) => row.id);
});

afterAll(async () => {
  await query("delete from tasks where $1 = any(tags)", [tag]);
  await invalidateCaches({ rebuild: true });
  await closeCache();
});

describe("GET /ops", () => {
  it("when an admin asks after reads, then each route's count, 4xx, percentiles, cache outcomes and access patterns are there", async () => {
    const readIds = ids.slice(0, 20);
    for (const id of readIds) {
      const response = await fetch(`${api}/tasks/${id}`, withAuth({}, "viewer"));
      expect(response.status).toBe(200);
      expect(response.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);
    }
    const missing = await fetch(`${api}/tasks/999999999999`, withAuth({}, "viewer"));
    expect(missing.status).toBe(404);
    const list = await fetch(`${api}/tasks?tag=${tag}&sort=title&offset=5&limit=10`, withAuth({}, "viewer"));
    expect(list.status).toBe(200);

    // The recorder flushes at most once a second, in the background; these reads are all inside
    // the last minute (earlier tests' reads may add to it, and older ones leave the 15-minute window).
    const after = await waitFor(
      async () => {
        // Until everything asserted below has arrived: earlier files' gets in the same minute can
        // satisfy the counts before this test's own reads were flushed (each function flushes on
        // its own second), so the outcomes and access patterns are waited for too.
        const snapshot = await ops();
        const route = routeOf(snapshot, "GET /tasks/{id}");
        const figures = route?.windows["1m"];
        const outcomes = route
          ? route.cache.hit + route.cache.miss + route.cache.partial + route.cache.bypass
          : 0;
        return figures &&
          figures.requests >= readIds.length + 1 &&
          figures.errors4xx >= 1 &&
          outcomes >= readIds.length &&
          (snapshot.access.sorts.title ?? 0) >= 1 &&
          (snapshot.access.filters.tag ?? 0) >= 1
          ? snapshot
          : undefined;
      },
      20_000,
      500,
    );
    const get = routeOf(after, "GET /tasks/{id}");
    expect(get?.windows["1m"].p50).toBeGreaterThan(0);
    expect(get?.windows["1m"].p99 ?? 0).toBeGreaterThanOrEqual(get?.windows["1m"].p50 ?? 0);
    expect(get?.windows["1m"].rps).toBeGreaterThan(0);
    expect(get?.spark.rps).toHaveLength(30);
    // Every read has an outcome; which one depends on what earlier files left in the cache (a flush
    // or an owed invalidation makes reads bypass it for a moment).
    const outcomes = get ? get.cache.hit + get.cache.miss + get.cache.partial + get.cache.bypass : 0;
    expect(outcomes).toBeGreaterThanOrEqual(readIds.length);
    expect(after.cache.hitRatio["task entries"]).not.toBeNull();
    expect(after.access.sorts.title).toBeGreaterThanOrEqual(1);
    expect(after.access.filters.tag).toBeGreaterThanOrEqual(1);
    expect(after.access.positions.reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(1);
    expect(after.cache.redis?.usedBytes).toBeGreaterThan(0);
    expect(after.database.pool.total).toBeGreaterThanOrEqual(0);
    // No job queue table in this database (issue 16 adds one on another branch).
    expect(after.database.queueDepth === null || after.database.queueDepth >= 0).toBe(true);
  });

  it("when a viewer or an editor asks, then it is a 403 that says the admin role is needed", async () => {
    for (const role of ["viewer", "editor"] as const) {
      const response = await fetch(`${api}/ops`, { headers: authHeaders(role) });
      expect(response.status).toBe(403);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("forbidden");
      expect(body.error.message).toMatch(/admin/);
    }
  });

  it("when nobody is signed in, then it is a 401", async () => {
    const response = await fetch(`${api}/ops`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });
});

describe("the WebSocket's ops message", () => {
  async function askOverSocket(
    role: "viewer" | "admin",
  ): Promise<{ type: string; code?: string; snapshot?: OpsSnapshot }> {
    const token = tokenFor(role);
    const socket = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.onopen = () => resolve();
        socket.onerror = () => reject(new Error("WebSocket failed"));
      });
      const reply = new Promise<{ type: string; code?: string; snapshot?: OpsSnapshot }>((resolve) => {
        socket.onmessage = (message) => {
          const body = JSON.parse(String(message.data)) as { type: string };
          if (body.type === "ops" || body.type === "error") resolve(body);
        };
      });
      socket.send(JSON.stringify({ action: "ops", token }));
      return await reply;
    } finally {
      socket.close();
    }
  }

  it("when an admin's page asks over the socket, then it gets the same snapshot as GET /ops", async () => {
    const reply = await askOverSocket("admin");
    expect(reply.type).toBe("ops");
    expect(Array.isArray(reply.snapshot?.routes)).toBe(true);
    expect(reply.snapshot?.access.positions).toHaveLength(40);
  });

  it("when a viewer asks over the socket, then the answer is forbidden and carries no figures", async () => {
    const reply = await askOverSocket("viewer");
    expect(reply).toEqual({ type: "error", code: "forbidden" });
  });
});
