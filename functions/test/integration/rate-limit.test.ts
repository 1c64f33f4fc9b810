// Rate limits through the real handlers and the real (shared) Redis, with budgets of this file's
// own: set before any function module reads its configuration.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_READ = "100";
  process.env.RATE_LIMIT_WRITE = "5";
  process.env.RATE_LIMIT_AUTH_FAILURES = "5";
  process.env.RATE_LIMIT_WS_MESSAGES = "3";
  process.env.RATE_LIMIT_WINDOW_SECONDS = "4";
});

const { mintDevToken } = await import("../../../scripts/lib/dev-keys");
const { httpEvent, invoke, lambdaContext } = await import("../support/events");
const { makeTask } = await import("../support/factories");
const getTask = (await import("../../src/handlers/get-task")).handler;
const createTask = (await import("../../src/handlers/create-task")).handler;
const ping = (await import("../../src/handlers/ping")).handler;
const wsDefault = (await import("../../src/handlers/ws-default")).handler;
const { rememberConnectionActor } = await import("../../src/platform/rate-limit");
const { closeRedis } = await import("../../src/platform/redis");

afterAll(async () => {
  await closeRedis();
});

function person(role: "viewer" | "editor" = "editor") {
  const id = `rl-${randomUUID().slice(0, 8)}`;
  return { id, headers: { authorization: `Bearer ${mintDevToken({ sub: id, role, ttlSeconds: 600 })}` } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("rate limits per actor", () => {
  it("when 200 requests race against a read budget of 100, then exactly 100 pass and 100 get 429 with Retry-After; the window then frees up", async () => {
    const task = await makeTask();
    const reader = person("viewer");
    const get = () =>
      invoke(getTask, {
        path: `/tasks/${task.id}`,
        pathParameters: { id: task.id },
        headers: reader.headers,
      });
    const responses = await Promise.all(Array.from({ length: 200 }, get));
    const codes = responses.map((response) => response.statusCode);
    expect(codes.filter((code) => code === 200)).toHaveLength(100);
    expect(codes.filter((code) => code === 429)).toHaveLength(100);

    const ok = responses.find((response) => response.statusCode === 200);
    expect(ok?.headers["RateLimit-Policy"]).toBe('"read";q=100;w=4');
    expect(ok?.headers.RateLimit).toMatch(/^"read";r=\d+;t=[0-4]$/);
    const refused = responses.find((response) => response.statusCode === 429);
    expect(refused?.json().error.code).toBe("rate_limited");
    expect(refused?.headers.RateLimit).toMatch(/^"read";r=0;t=[0-4]$/);
    const retryAfter = Number(refused?.headers["Retry-After"]);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(4);

    await sleep(retryAfter * 1_000 + 250);
    const again = await get();
    expect(again.statusCode).toBe(200);
    expect(again.headers.RateLimit).toMatch(/^"read";r=99;t=\d$/);
  });

  it("when an actor spends the write budget, then writes get 429 but reads still pass; other actors are unaffected", async () => {
    const writer = person();
    const create = (who: { headers: Record<string, string> }) =>
      invoke(createTask, {
        method: "POST",
        path: "/tasks",
        body: { title: "rl write" },
        headers: who.headers,
      });
    const codes: number[] = [];
    for (let i = 0; i < 6; i += 1) codes.push((await create(writer)).statusCode);
    expect(codes).toEqual([201, 201, 201, 201, 201, 429]);
    const task = await makeTask();
    const read = await invoke(getTask, {
      path: `/tasks/${task.id}`,
      pathParameters: { id: task.id },
      headers: writer.headers,
    });
    expect(read.statusCode).toBe(200);
    expect((await create(person())).statusCode).toBe(201);
  });

  it("when a client IP keeps failing authentication, then it gets 429 instead of 401 past the budget; other IPs still get 401", async () => {
    const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`;
    const attempt = async (sourceIp: string) => {
      const event = httpEvent({
        path: "/tasks/1",
        pathParameters: { id: "1" },
        headers: { authorization: "Bearer not.a.jwt" },
      });
      event.requestContext.http.sourceIp = sourceIp;
      return getTask(event, lambdaContext());
    };
    const codes: number[] = [];
    for (let i = 0; i < 6; i += 1) codes.push((await attempt(ip)).statusCode ?? 0);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429]);
    const last = await attempt(ip);
    expect(last.headers["RateLimit-Policy"]).toBe('"auth-failures";q=5;w=4');
    expect(last.headers["WWW-Authenticate"]).toBeUndefined();
    expect((await attempt("192.0.2.44")).statusCode).toBe(401);
  });

  it("when a public route is called without a token, then it is not counted", async () => {
    const response = await invoke(ping, { path: "/ping", anonymous: true });
    expect(response.statusCode).toBe(200);
    expect(response.headers["RateLimit-Policy"]).toBeUndefined();
  });

  it("when a WebSocket connection sends more messages than its actor's budget, then the excess is refused with rate_limited", async () => {
    const connectionId = `conn-${randomUUID()}`;
    await rememberConnectionActor(connectionId, { id: `rl-ws-${randomUUID()}`, name: "ws", role: "viewer" });
    const send = () =>
      wsDefault({
        body: JSON.stringify({ action: "ping" }),
        requestContext: { connectionId, routeKey: "$default", eventType: "MESSAGE" },
      } as never);
    const replies = [await send(), await send(), await send(), await send()];
    expect(replies.map((reply) => reply.statusCode)).toEqual([200, 200, 200, 429]);
    expect(JSON.parse(replies[3]?.body ?? "{}")).toMatchObject({ type: "error", code: "rate_limited" });
  });
});
