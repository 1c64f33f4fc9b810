// docker-compose.yml for real: podman builds the project's images (on stand-ins for the official
// node, postgres and redis images, made from Debian's packages and the npm registry), starts the
// stack, and a user's checks run against the published ports: the HTTP API, the Lambda Invoke API,
// the WebSocket, the site in a browser, and a restart of the functions container. The stack is torn
// down afterwards, also when a check fails.
import { randomBytes } from "node:crypto";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devSession } from "../../../scripts/lib/dev-keys";
import { controlClientContext } from "../../src/platform/control-plane";
import { LiveClient } from "../support/live-client";
import { authHeaders } from "../support/tokens";
import { ComposeStack, SERVICES } from "./compose";

// Host ports of their own (3000-3002/4321 may be a native stack's); CONTAINERS_PORT_BASE moves them.
const base = Number(process.env.CONTAINERS_PORT_BASE ?? 3550);
const ports = { api: base, ws: base + 1, lambda: base + 2, web: base + 3 };
const stack = new ComposeStack(
  process.env.CONTAINERS_PROJECT ?? "million-tasks-test",
  ports,
  randomBytes(12).toString("hex"),
);
const api = `http://127.0.0.1:${ports.api}`;
const SEEDED = 2_000;

let browser: Browser | undefined;
const timings: Record<string, number> = {};

async function json(response: Response): Promise<any> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${response.status} ${response.url}: not JSON: ${text.slice(0, 300)}`);
  }
}

/** An HTTP call as an editor (the role that writes tasks) unless `headers` carries its own credential. */
function send(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = authHeaders("editor"),
) {
  return fetch(`${api}${path}`, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
}

beforeAll(async () => {
  // Leftovers of an interrupted run would hold the ports and volumes.
  await stack.down();
  let started = Date.now();
  await stack.buildStandIns();
  timings.standInsMs = Date.now() - started;
  started = Date.now();
  await stack.up();
  timings.upMs = Date.now() - started;
  for (const service of SERVICES) await stack.waitHealthy(service, 240_000);
  timings.healthyMs = Date.now() - started;
  timings.upStartedAt = started;
});

afterAll(async () => {
  await browser?.close();
  await stack.down();
  console.log(`containers timings (ms): ${JSON.stringify(timings)}`);
});

describe("the compose stack under podman", () => {
  it("when every service is healthy, then /health reports PostgreSQL and Redis reached over the compose network", async () => {
    // The container's health check accepts "degraded" (the API still answers from PostgreSQL), so
    // the functions' first Redis round trip may still be slower than its 250 ms command timeout
    // on a machine busy starting the stack (seen once, 264 s into a cold podman start): the first
    // "ok" within 30 s is what is asked of it.
    const deadline = Date.now() + 30_000;
    let health = await json(await send("GET", "/health", undefined, authHeaders("admin")));
    while (health.status !== "ok" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      health = await json(await send("GET", "/health", undefined, authHeaders("admin")));
    }
    expect(health.status).toBe("ok");
    expect(health.db.ok).toBe(true);
    expect(health.cache.state).not.toBe("degraded");
  });

  it("when ports are listed, then Redis and PostgreSQL are published nowhere and the functions publish HTTP, WebSocket and Invoke", async () => {
    expect(await stack.published("redis")).toBe("");
    expect(await stack.published("db")).toBe("");
    const functions = await stack.published("functions");
    expect(functions).toContain(`3000/tcp -> 127.0.0.1:${ports.api}`);
    expect(functions).toContain(`3001/tcp -> 127.0.0.1:${ports.ws}`);
    expect(functions).toContain(`3002/tcp -> 127.0.0.1:${ports.lambda}`);
  });

  it("when the seed function is invoked through the Lambda Invoke API, then the list counts its rows", async () => {
    const lambda = new LambdaClient({
      endpoint: `http://127.0.0.1:${ports.lambda}`,
      region: "us-east-1",
      credentials: { accessKeyId: "offline", secretAccessKey: "offline" },
    });
    try {
      const invoked = await lambda.send(
        new InvokeCommand({
          FunctionName: "million-tasks-dev-seed",
          Payload: Buffer.from(JSON.stringify({ count: SEEDED, truncate: true })),
          // As SeedClient sends it: seed refuses a caller without the control secret.
          ClientContext: controlClientContext(stack.env.CONTROL_SECRET ?? ""),
        }),
      );
      const payload = Buffer.from(invoked.Payload ?? []).toString();
      expect(invoked.FunctionError, payload).toBeUndefined();
    } finally {
      lambda.destroy();
    }
    const page = await json(await send("GET", "/tasks?limit=5"));
    expect(page.items).toHaveLength(5);
    expect(page.total.value).toBe(SEEDED);
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it("when a task is created, read, updated and deleted over HTTP, then each answer is right and the update arrives over the WebSocket", async () => {
    const live = new LiveClient(`ws://127.0.0.1:${ports.ws}`);
    await live.connect();
    try {
      const created = await send("POST", "/tasks", { title: "Made in a container", priority: "high" });
      expect(created.status).toBe(201);
      const task = await json(created);
      expect(created.headers.get("location")).toContain(`/tasks/${task.id}`);

      const read = await send("GET", `/tasks/${task.id}`);
      expect(read.status).toBe(200);
      expect((await json(read)).title).toBe("Made in a container");
      const etag = read.headers.get("etag");
      expect(etag).toBeTruthy();

      const updated = await send(
        "PATCH",
        `/tasks/${task.id}`,
        { status: "done" },
        { ...authHeaders("editor"), "if-match": etag ?? "" },
      );
      expect(updated.status).toBe(200);
      expect((await json(updated)).status).toBe("done");
      const stale = await send(
        "PATCH",
        `/tasks/${task.id}`,
        { status: "todo" },
        { ...authHeaders("editor"), "if-match": etag ?? "" },
      );
      expect(stale.status).toBe(412);

      const deadline = Date.now() + 15_000;
      const arrived = () =>
        live.events.find((event) => event.type === "task.updated" && event.id === task.id);
      while (!arrived() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(arrived()?.task?.status).toBe("done");

      expect((await send("DELETE", `/tasks/${task.id}`)).status).toBe(204);
      const gone = await send("GET", `/tasks/${task.id}`);
      expect(gone.status).toBe(404);
      expect((await json(gone)).error.code).toEqual(expect.any(String));
    } finally {
      await live.close();
    }
  });

  it("when a request carries no token, a bad one, or the control secret is missing, then it is refused through the published ports", async () => {
    const anonymous = await send("GET", "/tasks?limit=1", undefined, {});
    expect(anonymous.status).toBe(401);
    expect((await json(anonymous)).error.code).toEqual(expect.any(String));
    const forged = await send("GET", "/tasks?limit=1", undefined, { authorization: "Bearer not.a.jwt" });
    expect(forged.status).toBe(401);
    // A viewer reads but may not write.
    expect((await send("GET", "/tasks?limit=1", undefined, authHeaders("viewer"))).status).toBe(200);
    const viewerWrite = await send("POST", "/tasks", { title: "Not allowed" }, authHeaders("viewer"));
    expect(viewerWrite.status).toBe(403);
    const lambda = new LambdaClient({
      endpoint: `http://127.0.0.1:${ports.lambda}`,
      region: "us-east-1",
      credentials: { accessKeyId: "offline", secretAccessKey: "offline" },
    });
    try {
      // The Invoke port's guard (infra/serverless/invoke-port-guard.cjs) refuses it before seed runs.
      const refused = lambda.send(
        new InvokeCommand({
          FunctionName: "million-tasks-dev-seed",
          Payload: Buffer.from(JSON.stringify({ count: 10, truncate: true })),
        }),
      );
      await expect(refused).rejects.toThrow(/control secret/);
    } finally {
      lambda.destroy();
    }
  });

  it("when bad input is sent, then the answer is a 4xx in the one error shape", async () => {
    const response = await send("POST", "/tasks", { title: "   " });
    expect(response.status).toBe(422);
    expect((await json(response)).error.code).toEqual(expect.any(String));
  });

  it("when the site is opened in a browser, then the grid shows the API's first rows", async () => {
    const first = await json(await send("GET", "/tasks?limit=1"));
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    // A production build has no /dev-session.json (only the development server writes one), so the
    // demo users' session is served to the page here, as web/test/browser/support/site.ts does.
    const session = JSON.stringify(devSession(3 * 3600));
    await page.route("**/dev-session.json", (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body: session }),
    );
    await page.goto(`http://127.0.0.1:${ports.web}/`);
    await page.locator("tr.grid-row").first().waitFor({ timeout: 30_000 });
    timings.upToFirstRowsMs = Date.now() - (timings.upStartedAt ?? 0);
    await expect
      .poll(() => page.locator("tr.grid-row").first().textContent(), { timeout: 15_000 })
      .toContain(first.items[0].title);
    expect(errors).toEqual([]);
  });

  it("when the functions container restarts, then it comes back healthy with every task still there", async () => {
    const kept = await json(await send("POST", "/tasks", { title: "Survives a restart" }));
    const before = await json(await send("GET", "/tasks?limit=1"));
    await stack.compose("restart", "functions");
    await stack.waitHealthy("functions", 180_000);
    const again = await send("GET", `/tasks/${kept.id}`);
    expect(again.status).toBe(200);
    expect((await json(again)).title).toBe("Survives a restart");
    const after = await json(await send("GET", "/tasks?limit=1"));
    expect(after.total.value).toBe(before.total.value);
    expect(after.total.value).toBe(SEEDED + 1);
  });
});
