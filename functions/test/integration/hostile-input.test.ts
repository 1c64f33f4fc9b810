// Issue 11, findings 1-3: input PostgreSQL cannot store or compare is refused at validation with the
// field's path (never a 500), and every due date the API can store keeps paging by due date working.
import { afterAll, describe, expect, it } from "vitest";
import { handler as createTask } from "../../src/handlers/create-task";
import { handler as listTasks } from "../../src/handlers/list-tasks";
import { handler as updateTask } from "../../src/handlers/update-task";
import { query } from "../../src/platform/db";
import { invalidateCaches } from "../../src/tasks/service";
import { rebuildFences } from "../../src/tasks/upkeep";
import { type EventInput, invoke } from "../support/events";
import { makeTask, uniqueMarker } from "../support/factories";

const fingerprint = async () =>
  (
    await query<{ n: string; v: string; u: string | null }>(
      "select count(*) as n, coalesce(sum(version), 0) as v, max(updated_at)::text as u from tasks",
    )
  ).rows[0];

async function expectRefused(
  handler: Parameters<typeof invoke>[0],
  input: EventInput,
  status: number,
  path: string,
): Promise<void> {
  const before = await fingerprint();
  const response = await invoke(handler, input);
  expect(response.statusCode, response.body).toBe(status);
  const error = response.json().error;
  expect(error.code).toMatch(/validation_failed|invalid_cursor/);
  expect(error.details?.map((detail: { path: string }) => detail.path)).toContain(path);
  expect(await fingerprint()).toEqual(before);
}

const cursorOf = (payload: Record<string, string>) =>
  Buffer.from(JSON.stringify(payload)).toString("base64url");

describe("text PostgreSQL cannot store", () => {
  it.each([
    ["q", "a\u0000b"],
    ["assignee", "\u0000"],
    ["tag", "x\u0000"],
    ["q", "lone \ud800 surrogate"],
  ])("when the query's %s is %j, then it answers 400 naming it", async (field, value) => {
    await expectRefused(listTasks, { path: "/tasks", query: { [field]: value } }, 400, field);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a NUL in the title", { title: "a\u0000b" }, "title"],
    ["a NUL in the description", { title: "t", description: "d\u0000" }, "description"],
    ["a NUL in a tag", { title: "t", tags: ["ok", "b\u0000"] }, "tags.1"],
    ["a NUL in the assignee", { title: "t", assignee: "\u0000me" }, "assignee"],
    ["an unpaired low surrogate", { title: "\udc00x" }, "title"],
  ])("when a create has %s, then it answers 422 naming the field", async (_name, body, path) => {
    await expectRefused(createTask, { method: "POST", path: "/tasks", body }, 422, path);
  });

  it("when a title holds a paired surrogate (an emoji), then it is stored as sent", async () => {
    const response = await invoke(createTask, { method: "POST", path: "/tasks", body: { title: "ok 😀" } });
    expect(response.statusCode).toBe(201);
    expect(response.json().title).toBe("ok 😀");
  });
});

describe("instants PostgreSQL refuses or cannot render in four digits", () => {
  it.each([
    ["dueAfter", "2024-01-01T00:00:00+16:00"],
    ["dueBefore", "2024-01-01T00:00:00-23:59"],
    ["dueAfter", "0000-06-01T00:00:00Z"],
    ["dueBefore", "2024-01-01T00:00:00.1234567Z"],
  ])("when %s is %s, then it answers 400 naming it", async (field, value) => {
    await expectRefused(listTasks, { path: "/tasks", query: { [field]: value } }, 400, field);
  });

  it.each<[string, string, string]>([
    ["dueAt", "2024-01-01T00:00:00+20:00", "an offset PostgreSQL refuses"],
    ["expiresAt", "9999-12-31T23:59:59-12:00", "year 10000 in UTC"],
    ["dueAt", "0001-01-01T00:00:00+01:00", "1 BC in UTC"],
    ["dueAt", "9999-12-31T23:59:59.9999999Z", "a seventh fractional digit that would round into 10000"],
  ])("when a create's %s is %s (%s), then it answers 422 naming it", async (field, value) => {
    await expectRefused(
      createTask,
      { method: "POST", path: "/tasks", body: { title: "t", [field]: value } },
      422,
      field,
    );
  });

  it("when instants sit exactly at the edges, then they are stored and rendered as sent", async () => {
    const response = await invoke(createTask, {
      method: "POST",
      path: "/tasks",
      body: {
        title: uniqueMarker(),
        dueAt: "0001-01-01T00:00:00Z",
        expiresAt: "9999-12-31T23:59:59.999999Z",
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      dueAt: "0001-01-01T00:00:00.000000Z",
      expiresAt: "9999-12-31T23:59:59.999999Z",
    });
    await query("delete from tasks where id = $1", [response.json().id]);
  });
});

describe("integers beyond PostgreSQL's types", () => {
  it("when a PATCH's version exceeds an integer, then it answers 422 naming version", async () => {
    const task = await makeTask();
    await expectRefused(
      updateTask,
      {
        method: "PATCH",
        path: `/tasks/${task.id}`,
        pathParameters: { id: task.id },
        body: { title: "x", version: 3_000_000_000 },
      },
      422,
      "version",
    );
  });

  it("when a forged cursor's id exceeds bigint, then it answers 400 invalid_cursor", async () => {
    const first = (await invoke(listTasks, { path: "/tasks", query: { limit: "1", sort: "title" } })).json();
    const payload = JSON.parse(Buffer.from(first.nextCursor, "base64url").toString());
    const response = await invoke(listTasks, {
      path: "/tasks",
      query: { sort: "title", cursor: cursorOf({ ...payload, i: "9999999999999999999" }) },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe("invalid_cursor");
  });

  it.each([
    ["createdAt", "2024-01-01 00:00:00+16"],
    ["dueAt", "2024-13-01 00:00:00+00"],
    ["title", "a\u0000"],
  ])(
    "when a forged cursor over %s carries the key %j, then it answers 400 invalid_cursor",
    async (sort, k) => {
      const first = (await invoke(listTasks, { path: "/tasks", query: { limit: "1", sort } })).json();
      const payload = JSON.parse(Buffer.from(first.nextCursor, "base64url").toString());
      const response = await invoke(listTasks, {
        path: "/tasks",
        query: { sort, cursor: cursorOf({ ...payload, k }) },
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.code).toBe("invalid_cursor");
    },
  );
});

describe("paging by due date over every stored due date", () => {
  const ids: string[] = [];
  afterAll(async () => {
    await query("delete from tasks where id = any($1::int8[])", [ids]);
    await rebuildFences();
    await invalidateCaches();
  });

  it("when a row's due date lies before year 1 in UTC (stored before validation refused it), then its cursor and positions past it still work", async () => {
    // A row written before this validation existed: 1 BC, which PostgreSQL prints with " BC".
    const inserted = await query<{ id: string }>(
      `insert into tasks (title, due_at) values ($1, '0001-01-01 00:00:00+01'), ($1, '0001-01-01 00:00:00+00')
       returning id::text as id`,
      [uniqueMarker("bc")],
    );
    ids.push(...inserted.rows.map((row) => row.id));
    // Written behind the API's back, as a restore would: cached pages cannot know.
    await invalidateCaches();
    const first = await invoke(listTasks, { path: "/tasks", query: { sort: "dueAt", limit: "1" } });
    expect(first.statusCode).toBe(200);
    expect(first.json().items[0].id).toBe(ids[0]);
    const second = await invoke(listTasks, {
      path: "/tasks",
      query: { sort: "dueAt", limit: "1", cursor: first.json().nextCursor },
    });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().items[0].id).toBe(ids[1]);
    const back = await invoke(listTasks, {
      path: "/tasks",
      query: { sort: "dueAt", limit: "1", cursor: second.json().prevCursor },
    });
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json().items[0].id).toBe(ids[0]);

    await rebuildFences();
    const positioned = await invoke(listTasks, {
      path: "/tasks",
      query: { sort: "dueAt", offset: "1", limit: "1" },
    });
    expect(positioned.statusCode, positioned.body).toBe(200);
    expect(positioned.json().items[0].id).toBe(ids[1]);
  });
});

describe("found by the fuzz suite", () => {
  it("when a forged cursor's id is not an integer (1.5), then it answers 400, not 500", async () => {
    const cursor = cursorOf({ q: "aaaaaaaaaaaa", k: "0001-01-01T00:00:00Z", i: "1.5", d: "n" });
    const response = await invoke(listTasks, { path: "/tasks", query: { cursor } });
    expect(response.statusCode, response.body).toBe(400);
  });
});
