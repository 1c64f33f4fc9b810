// The audit trail against the real PostgreSQL: every write path leaves exactly its rows (none when
// the write is rejected), the table refuses to be rewritten, and history reads survive deletion.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mintDevToken } from "../../../scripts/lib/dev-keys";
import { handler as auditLog } from "../../src/handlers/audit-log";
import { handler as createTask } from "../../src/handlers/create-task";
import { handler as deleteTask } from "../../src/handlers/delete-task";
import { handler as seed } from "../../src/handlers/seed";
import { handler as taskHistory } from "../../src/handlers/task-history";
import { handler as updateTask } from "../../src/handlers/update-task";
import { query } from "../../src/platform/db";
import type { Role } from "../../src/platform/roles";
import { httpEvent, invoke, lambdaContext } from "../support/events";
import { uniqueMarker } from "../support/factories";
import { authHeaders } from "../support/tokens";

interface AuditRow {
  actor_id: string;
  actor_name: string;
  actor_role: string;
  action: string;
  task_id: string | null;
  changes: Record<string, { from: unknown; to: unknown }>;
  version: number | null;
  request_id: string | null;
  client_ip: string | null;
  user_agent: string | null;
}

const rowsFor = async (taskId: string) =>
  (
    await query<AuditRow>(
      `select actor_id, actor_name, actor_role, action, task_id::text, changes, version, request_id, client_ip, user_agent
       from audit_log where task_id = $1
         -- ids restart after a replacing seed (this file runs one): older rows are other tasks'
         and at > coalesce((select max(at) from audit_log where action = 'tasks.seed' and changes ->> 'mode' = 'replace'), '-infinity')
       order by at, id`,
      [taskId],
    )
  ).rows;

/** A person of their own for this test, so their rows are theirs alone. */
function person(role: Role = "editor") {
  const id = `audit-${randomUUID().slice(0, 8)}`;
  const token = mintDevToken({ sub: id, name: `Person ${id}`, role, ttlSeconds: 600 });
  return { id, headers: { authorization: `Bearer ${token}` } };
}

const create = (headers: Record<string, string>, body: Record<string, unknown>, extra = {}) =>
  invoke(createTask, { method: "POST", path: "/tasks", body, headers: { ...headers, ...extra } });
const patch = (headers: Record<string, string>, id: string, body: unknown, extra = {}) =>
  invoke(updateTask, {
    method: "PATCH",
    path: `/tasks/${id}`,
    pathParameters: { id },
    body,
    headers: { ...headers, ...extra },
  });
const remove = (headers: Record<string, string>, id: string, extra = {}) =>
  invoke(deleteTask, {
    method: "DELETE",
    path: `/tasks/${id}`,
    pathParameters: { id },
    headers: { ...headers, ...extra },
  });
const history = (id: string, query: Record<string, string> = {}, role: Role = "viewer") =>
  invoke(taskHistory, {
    path: `/tasks/${id}/history`,
    pathParameters: { id },
    query,
    headers: authHeaders(role),
  });

describe("audit_log written by the task writes", () => {
  it("when a task is created, then one task.create row names the actor, the request and the set fields", async () => {
    const alice = person();
    const event = httpEvent({
      method: "POST",
      path: "/tasks",
      body: { title: `Audit ${uniqueMarker()}`, priority: "high" },
      headers: alice.headers,
    });
    const context = lambdaContext();
    const response = await createTask(event, context);
    expect(response.statusCode).toBe(201);
    const task = JSON.parse(response.body ?? "{}");
    const rows = await rowsFor(task.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor_id: alice.id,
      actor_name: `Person ${alice.id}`,
      actor_role: "editor",
      action: "task.create",
      version: 1,
      request_id: context.awsRequestId,
      client_ip: "127.0.0.1",
      user_agent: "vitest",
    });
    expect(rows[0]?.changes.title).toEqual({ from: null, to: task.title });
    expect(rows[0]?.changes.priority).toEqual({ from: null, to: "high" });
    expect(rows[0]?.changes).not.toHaveProperty("version");
  });

  it("when a task is updated, then one task.update row holds only the fields that changed, before and after", async () => {
    const bob = person();
    const task = (await create(bob.headers, { title: `Upd ${uniqueMarker()}`, status: "todo" })).json();
    const updated = await patch(
      bob.headers,
      task.id,
      { status: "done", title: task.title },
      { "user-agent": "curl/8" },
    );
    expect(updated.statusCode).toBe(200);
    const rows = await rowsFor(task.id);
    expect(rows.map((row) => row.action)).toEqual(["task.create", "task.update"]);
    expect(rows[1]?.changes).toEqual({ status: { from: "todo", to: "done" } });
    expect(rows[1]).toMatchObject({ actor_id: bob.id, version: 2, user_agent: "curl/8" });
  });

  it("when a write is rejected (stale If-Match, invalid body, missing task, viewer), then no row is written", async () => {
    const carol = person();
    const task = (await create(carol.headers, { title: `Rej ${uniqueMarker()}` })).json();
    expect((await patch(carol.headers, task.id, { status: "done" }, { "if-match": '"7"' })).statusCode).toBe(
      412,
    );
    expect((await patch(carol.headers, task.id, { status: "nope" })).statusCode).toBe(422);
    expect((await remove(carol.headers, task.id, { "if-match": '"9"' })).statusCode).toBe(412);
    expect((await patch(person("viewer").headers, task.id, { status: "done" })).statusCode).toBe(403);
    expect((await create(carol.headers, { title: " " })).statusCode).toBe(422);
    expect((await rowsFor(task.id)).map((row) => row.action)).toEqual(["task.create"]);
    const missing = await patch(carol.headers, "999999999999", { status: "done" });
    expect(missing.statusCode).toBe(404);
    expect(await rowsFor("999999999999")).toHaveLength(0);
  });

  it("when a task is deleted, then one task.delete row keeps what it was, and its history outlives it", async () => {
    const dave = person();
    const task = (await create(dave.headers, { title: `Del ${uniqueMarker()}`, tags: ["a"] })).json();
    await patch(dave.headers, task.id, { assignee: "erin" });
    expect((await remove(dave.headers, task.id)).statusCode).toBe(204);
    const rows = await rowsFor(task.id);
    expect(rows.map((row) => row.action)).toEqual(["task.create", "task.update", "task.delete"]);
    expect(rows[2]?.changes.title).toEqual({ from: task.title, to: null });
    expect(rows[2]?.changes.assignee).toEqual({ from: "erin", to: null });
    const page = await history(task.id);
    expect(page.statusCode).toBe(200);
    const body = page.json();
    expect(body.items.map((entry: { action: string }) => entry.action)).toEqual([
      "task.delete",
      "task.update",
      "task.create",
    ]);
    expect(body.items[1]).toMatchObject({
      actor: { id: dave.id, name: `Person ${dave.id}`, role: "editor" },
      taskId: task.id,
      changes: { assignee: { from: null, to: "erin" } },
      version: 2,
    });
    // Where requests came from is for admins only.
    expect(body.items[0]).not.toHaveProperty("clientIp");
  });

  it("when an Idempotency-Key is replayed, then the replay writes nothing; another actor's same key is their own", async () => {
    const frank = person();
    const grace = person();
    const key = `k-${randomUUID()}`;
    const body = { title: `Idem ${uniqueMarker()}` };
    const first = await create(frank.headers, body, { "idempotency-key": key });
    const replay = await create(frank.headers, body, { "idempotency-key": key });
    expect(replay.headers["Idempotent-Replayed"]).toBe("true");
    expect(replay.json().id).toBe(first.json().id);
    expect(await rowsFor(first.json().id)).toHaveLength(1);
    const other = await create(grace.headers, body, { "idempotency-key": key });
    expect(other.statusCode).toBe(201);
    expect(other.headers["Idempotent-Replayed"]).toBeUndefined();
    expect(other.json().id).not.toBe(first.json().id);
    expect((await rowsFor(other.json().id)).map((row) => row.actor_id)).toEqual([grace.id]);
  });

  it("when a seed appends or replaces, then each writes exactly one tasks.seed summary row", async () => {
    const before = Number(
      (await query<{ n: string }>("select count(*) as n from audit_log where action = 'tasks.seed'")).rows[0]
        ?.n,
    );
    const context = lambdaContext();
    await seed({ count: 2_000, truncate: false, seed: 5 }, context);
    const rows = (
      await query<AuditRow>(
        "select actor_id, actor_role, action, task_id::text, changes, request_id from audit_log where action = 'tasks.seed' order by at desc, id desc",
      )
    ).rows;
    expect(rows.length).toBe(before + 1);
    expect(rows[0]).toMatchObject({
      actor_id: "control-plane",
      actor_role: "system",
      task_id: null,
      request_id: context.awsRequestId,
      changes: { mode: "append", count: 2_000, inserted: 2_000 },
    });
    const total = Number((await query<{ n: string }>("select count(*) as n from audit_log")).rows[0]?.n);
    await seed({ count: 3_000, truncate: true, seed: 6 }, lambdaContext());
    const after = Number((await query<{ n: string }>("select count(*) as n from audit_log")).rows[0]?.n);
    expect(after).toBe(total + 1);
    const latest = (
      await query<AuditRow>(
        "select changes from audit_log where action = 'tasks.seed' order by at desc, id desc limit 1",
      )
    ).rows[0];
    expect(latest?.changes).toMatchObject({ mode: "replace", count: 3_000 });
  });
});

describe("audit_log is append-only", () => {
  it("when anyone tries UPDATE, DELETE or TRUNCATE (on the table or a partition), then PostgreSQL refuses", async () => {
    const task = (await create(person().headers, { title: `Ro ${uniqueMarker()}` })).json();
    const refused = async (sql: string, values: unknown[] = []) => {
      await expect(query(sql, values)).rejects.toThrow();
    };
    await refused("update audit_log set actor_id = 'mallory' where task_id = $1", [task.id]);
    await refused("delete from audit_log where task_id = $1", [task.id]);
    await refused("truncate audit_log");
    const partitions = (
      await query<{ name: string }>(
        "select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'audit_log'::regclass",
      )
    ).rows.map((row) => row.name);
    expect(partitions).toContain("audit_log_default");
    expect(partitions.length).toBeGreaterThanOrEqual(4);
    for (const name of partitions) await refused(`truncate ${name}`);
    // A row trigger fires only for rows: refuse a delete where the row is, by partition name.
    const home = (
      await query<{ name: string }>(
        "select tableoid::regclass::text as name from audit_log where task_id = $1",
        [task.id],
      )
    ).rows[0]?.name;
    await refused(`delete from ${home} where task_id = $1`, [task.id]);
    await refused(`update ${home} set changes = '{}' where task_id = $1`, [task.id]);
    expect(await rowsFor(task.id)).toHaveLength(1);
    const grants = (
      await query<{ privilege_type: string }>(
        "select privilege_type from information_schema.role_table_grants where grantee = 'million_tasks_app' and table_name = 'audit_log' order by 1",
      )
    ).rows.map((row) => row.privilege_type);
    expect(grants).toEqual(["INSERT", "SELECT"]);
  });
});

describe("GET /tasks/{id}/history", () => {
  it("when many people edit one task at once, then history has every edit once, in version order, each before the next after", async () => {
    const task = (await create(person().headers, { title: `Race ${uniqueMarker()}` })).json();
    const editors = Array.from({ length: 12 }, () => person());
    const responses = await Promise.all(
      editors.map((editor, i) => patch(editor.headers, task.id, { title: `${task.title} #${i}` })),
    );
    expect(responses.map((response) => response.statusCode)).toEqual(responses.map(() => 200));
    const items: {
      actor: { id: string };
      version: number;
      changes: { title?: { from: string; to: string } };
    }[] = [];
    let cursor: string | undefined;
    do {
      const page = (await history(task.id, { limit: "5", ...(cursor ? { cursor } : {}) })).json();
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(items).toHaveLength(13);
    expect(items.map((item) => item.version)).toEqual(Array.from({ length: 13 }, (_, i) => 13 - i));
    const updates = items.slice(0, 12).reverse();
    expect(new Set(updates.map((item) => item.actor.id))).toEqual(
      new Set(editors.map((editor) => editor.id)),
    );
    let title = task.title;
    for (const update of updates) {
      expect(update.changes.title?.from).toBe(title);
      title = update.changes.title?.to ?? "";
    }
  });

  it("when the id never had a task, then 404; a bad cursor or limit is a 400", async () => {
    expect((await history("999999999998")).statusCode).toBe(404);
    const task = (await create(person().headers, { title: `H ${uniqueMarker()}` })).json();
    expect((await history(task.id, { cursor: "nope!" })).json().error.code).toBe("invalid_cursor");
    expect((await history(task.id, { limit: "0" })).statusCode).toBe(400);
    expect((await history(task.id, { sort: "x" })).statusCode).toBe(400);
    expect(
      (
        await invoke(taskHistory, {
          path: `/tasks/${task.id}/history`,
          pathParameters: { id: task.id },
          anonymous: true,
        })
      ).statusCode,
    ).toBe(401);
  });
});

describe("GET /audit", () => {
  it("when an admin filters by actor, action, task and time, then only matching entries come back, newest first", async () => {
    const henry = person();
    const started = new Date().toISOString();
    const a = (await create(henry.headers, { title: `Adm ${uniqueMarker()}` })).json();
    const b = (await create(henry.headers, { title: `Adm ${uniqueMarker()}` })).json();
    await patch(henry.headers, a.id, { status: "blocked" });
    await remove(henry.headers, b.id);
    const list = async (q: Record<string, string>, role: Role = "admin") =>
      invoke(auditLog, { path: "/audit", query: q, headers: authHeaders(role) });
    const mine = (await list({ actor: henry.id })).json();
    expect(mine.items.map((e: { action: string }) => e.action)).toEqual([
      "task.delete",
      "task.update",
      "task.create",
      "task.create",
    ]);
    expect(mine.items[0]).toMatchObject({ clientIp: "127.0.0.1", taskId: b.id });
    expect(mine.items[0].requestId).toMatch(/^req-/);
    const deletes = (await list({ actor: henry.id, action: "task.delete" })).json();
    expect(deletes.items.map((e: { taskId: string }) => e.taskId)).toEqual([b.id]);
    // The raw log keeps ids a replacing seed reused; the actor narrows it to this test's task.
    const ofA = (await list({ taskId: a.id, actor: henry.id })).json();
    expect(ofA.items).toHaveLength(2);
    const paged = (await list({ actor: henry.id, limit: "3" })).json();
    expect(paged.items).toHaveLength(3);
    const rest = (await list({ actor: henry.id, limit: "3", cursor: paged.nextCursor })).json();
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    const since = (await list({ actor: henry.id, since: started })).json();
    expect(since.items).toHaveLength(4);
    const until = (await list({ actor: henry.id, until: started })).json();
    expect(until.items).toHaveLength(0);
    expect((await list({ actor: henry.id }, "editor")).statusCode).toBe(403);
    expect((await list({ action: "task.explode" })).statusCode).toBe(400);
    expect((await list({ since: "2030-01-01T00:00:00Z", until: "2029-01-01T00:00:00Z" })).statusCode).toBe(
      400,
    );
    expect((await list({ since: "yesterday" })).statusCode).toBe(400);
  });
});
