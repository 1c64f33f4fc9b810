// Saved views against the real PostgreSQL: per actor, shareable by id, changed only by the owner
// (or an admin), validated with the list query's own schema, audited.
import { describe, expect, it } from "vitest";
import { handler as createView } from "../../src/handlers/create-view";
import { handler as deleteView } from "../../src/handlers/delete-view";
import { handler as getView } from "../../src/handlers/get-view";
import { handler as listViews } from "../../src/handlers/list-views";
import { handler as updateView } from "../../src/handlers/update-view";
import { query } from "../../src/platform/db";
import { invoke } from "../support/events";
import { uniqueMarker } from "../support/factories";
import { authHeaders } from "../support/tokens";

type Role = "viewer" | "editor" | "admin";
const create = (body: unknown, role: Role = "editor") =>
  invoke(createView, { method: "POST", path: "/views", headers: authHeaders(role), body });
const read = (id: string, role: Role) =>
  invoke(getView, { path: `/views/${id}`, pathParameters: { id }, headers: authHeaders(role) });
const patch = (id: string, body: unknown, role: Role) =>
  invoke(updateView, {
    method: "PATCH",
    path: `/views/${id}`,
    pathParameters: { id },
    headers: authHeaders(role),
    body,
  });
const remove = (id: string, role: Role) =>
  invoke(deleteView, {
    method: "DELETE",
    path: `/views/${id}`,
    pathParameters: { id },
    headers: authHeaders(role),
  });

describe("saved views", () => {
  it("when an editor saves a view, then it lists it, reopens it exactly, and others see it only once shared", async () => {
    const name = uniqueMarker("My view ");
    const columns = [{ key: "title", width: 320 }, { key: "status", hidden: true }, { key: "priority" }];
    const created = await create({
      name,
      query: { status: "todo,done", sort: "-priority", q: "report" },
      columns,
    });
    expect(created.statusCode).toBe(201);
    const view = created.json() as {
      id: string;
      owner: { id: string };
      shared: boolean;
      query: unknown;
      columns: unknown;
    };
    expect(created.headers.Location).toBe(`/views/${view.id}`);
    expect(view).toMatchObject({
      owner: { id: "test-editor" },
      shared: false,
      query: { status: "todo,done", sort: "-priority", q: "report" },
      columns,
    });

    const mine = await invoke(listViews, { path: "/views", headers: authHeaders("editor") });
    expect((mine.json().items as { id: string }[]).map((v) => v.id)).toContain(view.id);
    expect((await read(view.id, "viewer")).statusCode).toBe(404);

    expect((await patch(view.id, { shared: true }, "editor")).json()).toMatchObject({
      shared: true,
      version: 2,
    });
    expect((await read(view.id, "viewer")).json()).toMatchObject({ id: view.id, name });
    expect((await patch(view.id, { name: "stolen" }, "viewer")).statusCode).toBe(403);
    expect((await remove(view.id, "viewer")).statusCode).toBe(403);

    expect((await remove(view.id, "editor")).statusCode).toBe(204);
    expect((await read(view.id, "editor")).statusCode).toBe(404);
    const audit = await query<{ action: string }>(
      "select action from audit_log where changes ->> 'viewId' = $1 order by at, id",
      [view.id],
    );
    expect(audit.rows.map((row) => row.action)).toEqual(["view.create", "view.update", "view.delete"]);
  });

  it("when a view's query or columns are not valid, or its name is taken, then it is refused and nothing is saved", async () => {
    const name = uniqueMarker("Taken ");
    expect((await create({ name })).statusCode).toBe(201);
    expect((await create({ name })).statusCode).toBe(409);
    expect((await create({ name: "x", query: { status: "someday" } })).statusCode).toBe(422);
    expect((await create({ name: "x", query: { limit: "5" } })).statusCode).toBe(422);
    expect((await create({ name: "x", columns: [{ key: "title" }, { key: "title" }] })).statusCode).toBe(422);
    expect((await create({ name: "x", columns: [{ key: "colour" }] })).statusCode).toBe(422);
    expect((await create({ name: " " })).statusCode).toBe(422);
    expect((await read("not-a-uuid", "editor")).statusCode).toBe(400);
  });
});
