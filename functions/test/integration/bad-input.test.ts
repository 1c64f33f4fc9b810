import { describe, expect, it } from "vitest";
import { handler as createTask } from "../../src/handlers/create-task";
import { handler as deleteTask } from "../../src/handlers/delete-task";
import { handler as getTask } from "../../src/handlers/get-task";
import { handler as listTasks } from "../../src/handlers/list-tasks";
import { handler as updateTask } from "../../src/handlers/update-task";
import { query } from "../../src/platform/db";
import { type EventInput, invoke } from "../support/events";
import { makeTask } from "../support/factories";

const snapshot = async () =>
  (await query<{ n: string; v: string }>("select count(*) as n, coalesce(sum(version), 0) as v from tasks"))
    .rows[0];

async function expectRejected(
  handler: Parameters<typeof invoke>[0],
  input: EventInput,
  status: number,
  code?: string,
) {
  const before = await snapshot();
  const response = await invoke(handler, input);
  expect(response.statusCode, response.body).toBe(status);
  const body = response.json();
  expect(typeof body.error.code).toBe("string");
  expect(typeof body.error.message).toBe("string");
  if (code) expect(body.error.code).toBe(code);
  expect(response.body).not.toMatch(/at .*\.ts:\d+|stack/i);
  expect(await snapshot()).toEqual(before);
}

describe("bad input to POST /tasks changes nothing and gets a 4xx JSON error", () => {
  const post = (extra: Partial<EventInput>): EventInput => ({ method: "POST", path: "/tasks", ...extra });
  it.each<[string, Partial<EventInput>, number, string]>([
    ["malformed JSON", { rawBody: '{"title":' }, 400, "invalid_json"],
    ["no body", { headers: { "content-type": "application/json" } }, 400, "invalid_json"],
    ["a JSON array", { body: [1, 2] }, 422, "validation_failed"],
    ["a JSON string", { rawBody: '"title"' }, 422, "validation_failed"],
    [
      "text/plain content",
      { rawBody: '{"title":"x"}', headers: { "content-type": "text/plain" } },
      415,
      "unsupported_media_type",
    ],
    ["an unknown field", { body: { title: "x", owner: "me" } }, 422, "validation_failed"],
    ["a mistyped field", { body: { title: "x", tags: "a,b" } }, 422, "validation_failed"],
    ["a blank title", { body: { title: "   " } }, 422, "validation_failed"],
    ["an oversize body", { body: { title: "x", description: "d".repeat(70_000) } }, 413, "payload_too_large"],
    ["a prototype-polluting key", { rawBody: '{"title":"x","__proto__":{"admin":true}}' }, 400, ""],
    [
      "a bad Idempotency-Key",
      { body: { title: "x" }, headers: { "idempotency-key": "has spaces in it" } },
      400,
      "validation_failed",
    ],
  ])("when the request has %s, then it is refused", async (_name, extra, status, code) => {
    await expectRejected(createTask, post(extra), status, code || undefined);
  });

  it("when a title looks like SQL, then it is stored literally", async () => {
    const title = "'); drop table tasks; --";
    const response = await invoke(createTask, { method: "POST", path: "/tasks", body: { title } });
    expect(response.statusCode).toBe(201);
    expect(response.json().title).toBe(title);
  });
});

describe("bad input to GET /tasks gets a 400 and never a 5xx", () => {
  it.each<Record<string, string>>([
    { limit: "0" },
    { limit: "1000000000" },
    { offset: "-5" },
    { offset: "18446744073709551616" },
    { sort: "password" },
    { sort: "-" },
    { status: "open" },
    { color: "red" },
    { cursor: "%%%" },
    { cursor: Buffer.from('{"q":"aaaaaaaaaaaa","k":"x","i":"1","d":"n"}').toString("base64url") },
    { dueBefore: "soon" },
  ])("when the query is %j, then it answers 400", async (params) => {
    const response = await invoke(listTasks, { path: "/tasks", query: params });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toMatch(/validation_failed|invalid_cursor/);
  });

  it("when a cursor is edited to carry a bad key for its sort, then it answers 400", async () => {
    const first = (await invoke(listTasks, { path: "/tasks", query: { limit: "1" } })).json();
    const cursor = JSON.parse(Buffer.from(first.nextCursor, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...cursor, k: "not a time" })).toString("base64url");
    const response = await invoke(listTasks, { path: "/tasks", query: { cursor: forged } });
    expect(response.statusCode).toBe(400);
  });
});

describe("ids, versions and missing tasks", () => {
  /** GET, DELETE and PATCH of one id: every route that takes an id. */
  const idRoutes = (id: string): [Parameters<typeof invoke>[0], EventInput][] => [
    [getTask, { method: "GET", path: `/tasks/${id}`, pathParameters: { id } }],
    [deleteTask, { method: "DELETE", path: `/tasks/${id}`, pathParameters: { id } }],
    [updateTask, { method: "PATCH", path: `/tasks/${id}`, pathParameters: { id }, body: { title: "x" } }],
  ];

  it.each(["abc", "0", "-1", "1.5", "99999999999999999999", "9223372036854775808"])(
    "when the id is %s, then every id route answers 400",
    async (id) => {
      for (const [handler, input] of idRoutes(id))
        await expectRejected(handler, input, 400, "validation_failed");
    },
  );

  it("when the task does not exist, then get, update and delete answer 404", async () => {
    for (const [handler, input] of idRoutes("9223372036854775807")) {
      await expectRejected(handler, input, 404, "not_found");
    }
  });

  it("when a PATCH carries a stale If-Match or version, then it answers 412 with the current ETag and changes nothing", async () => {
    const task = await makeTask();
    const patch = (extra: Partial<EventInput>) =>
      invoke(updateTask, { method: "PATCH", pathParameters: { id: task.id }, ...extra });
    const fresh = await patch({ body: { status: "done" }, headers: { "if-match": '"1"' } });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.headers.ETag).toBe('"2"');
    const stale = await patch({ body: { status: "blocked" }, headers: { "if-match": '"1"' } });
    expect(stale.statusCode).toBe(412);
    expect(stale.headers.ETag).toBe('"2"');
    expect((await patch({ body: { status: "blocked", version: 1 } })).statusCode).toBe(412);
    expect(
      (await patch({ body: { status: "blocked" }, headers: { "if-match": "yesterday" } })).statusCode,
    ).toBe(400);
    const current = await invoke(getTask, { pathParameters: { id: task.id } });
    expect(current.json()).toMatchObject({ status: "done", version: 2 });
  });

  it("when a DELETE carries a stale If-Match, then it answers 412 and the task stays", async () => {
    const task = await makeTask();
    await invoke(updateTask, {
      method: "PATCH",
      pathParameters: { id: task.id },
      body: { title: "changed" },
    });
    const stale = await invoke(deleteTask, {
      method: "DELETE",
      pathParameters: { id: task.id },
      headers: { "if-match": '"1"' },
    });
    expect(stale.statusCode).toBe(412);
    expect((await invoke(getTask, { pathParameters: { id: task.id } })).statusCode).toBe(200);
  });

  it("when a PATCH sends no fields to change, then it answers 422", async () => {
    const task = await makeTask();
    await expectRejected(
      updateTask,
      { method: "PATCH", pathParameters: { id: task.id }, body: {} },
      422,
      "validation_failed",
    );
  });
});

describe("expiry", () => {
  it("when a task's expires_at passes, then it drops out of get and lists at that instant", async () => {
    const task = await makeTask({ expiresAt: new Date(Date.now() + 1_500).toISOString() });
    expect((await invoke(getTask, { pathParameters: { id: task.id } })).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    expect((await invoke(getTask, { pathParameters: { id: task.id } })).statusCode).toBe(404);
    const page = (await invoke(listTasks, { query: { q: task.title } })).json();
    expect(page.items).toEqual([]);
  });
});
