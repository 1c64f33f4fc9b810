// Issue 11, finding 5: a database that answers but cannot serve (a session holding an exclusive
// lock on tasks) is a 503 well under 2 s on every route, and /health says so instead of "ok".
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { handler as createTask } from "../../src/handlers/create-task";
import { handler as getTask } from "../../src/handlers/get-task";
import { handler as health } from "../../src/handlers/health";
import { handler as listTasks } from "../../src/handlers/list-tasks";
import { handler as updateTask } from "../../src/handlers/update-task";
import { type EventInput, invoke } from "../support/events";
import { makeTask, uniqueMarker } from "../support/factories";
import { TEST_DATABASE_URL } from "../support/services";

/** The README's promise for a database that is down or stuck. */
const PROMISED_MS = 2_000;

let locker: pg.Client | undefined;

async function lockTasks(): Promise<void> {
  locker = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await locker.connect();
  await locker.query("begin");
  await locker.query("lock table tasks in access exclusive mode");
}

afterEach(async () => {
  await locker?.query("rollback").catch(() => {});
  await locker?.end().catch(() => {});
  locker = undefined;
});

async function timed(handler: Parameters<typeof invoke>[0], input: EventInput) {
  const started = performance.now();
  const response = await invoke(handler, input);
  return { response, ms: performance.now() - started };
}

describe("a stuck database", () => {
  it("when a session holds an exclusive lock on tasks, then every task route answers 503 within 2 s and health reports stuck", async () => {
    const task = await makeTask();
    const ok = await invoke(health, { path: "/health" });
    expect(ok.json().status).not.toBe("stuck");
    await lockTasks();
    const routes: [string, Parameters<typeof invoke>[0], EventInput][] = [
      // A query no one asked before, so no cached page can answer it.
      ["list", listTasks, { path: "/tasks", query: { sort: "title", assignee: uniqueMarker() } }],
      [
        "get",
        getTask,
        { path: `/tasks/${task.id}`, pathParameters: { id: String(Number(task.id) + 10_000_000) } },
      ],
      ["create", createTask, { method: "POST", path: "/tasks", body: { title: "while stuck" } }],
      [
        "update",
        updateTask,
        { method: "PATCH", pathParameters: { id: task.id }, body: { title: "while stuck" } },
      ],
      ["health", health, { path: "/health" }],
    ];
    for (const [name, handler, input] of routes) {
      const { response, ms } = await timed(handler, input);
      expect(response.statusCode, `${name}: ${response.body}`).toBe(503);
      expect(ms, name).toBeLessThan(PROMISED_MS);
      if (name === "health")
        expect(response.json()).toMatchObject({ status: "stuck", db: { state: "stuck" } });
      else expect(response.json().error.code).toBe("service_unavailable");
    }
    // Eight at once queue for the pool: each still answers within the promise.
    const many = await Promise.all(
      Array.from({ length: 8 }, () =>
        timed(listTasks, { path: "/tasks", query: { sort: "title", assignee: uniqueMarker() } }),
      ),
    );
    for (const { response, ms } of many) {
      expect(response.statusCode).toBe(503);
      expect(ms).toBeLessThan(PROMISED_MS);
    }
  });

  it("when the lock is released, then the routes answer again", async () => {
    await lockTasks();
    await locker?.query("rollback");
    const response = await invoke(listTasks, { path: "/tasks", query: { limit: "1" } });
    expect(response.statusCode).toBe(200);
    expect((await invoke(health, { path: "/health" })).json().db.state).toBe("ok");
  });
});
