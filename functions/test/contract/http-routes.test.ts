import { describe, expect, inject, it } from "vitest";
import { uniqueMarker } from "../support/factories";
import { authHeaders, withAuth } from "../support/tokens";

const api = inject("apiUrl");

describe("the HTTP API under serverless-offline", () => {
  it("when a task is created, read, updated, listed and deleted over HTTP, then every route answers per contract", async () => {
    const title = `Contract ${uniqueMarker()}`;
    const created = await fetch(`${api}/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json", ...authHeaders("editor") },
      body: JSON.stringify({ title }),
    });
    expect(created.status).toBe(201);
    const task = await created.json();
    expect(created.headers.get("location")).toBe(`/tasks/${task.id}`);

    const read = await fetch(`${api}/tasks/${task.id}`, withAuth({}, "viewer"));
    expect(read.status).toBe(200);
    expect(read.headers.get("etag")).toBe('"1"');

    const stale = await fetch(`${api}/tasks/${task.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", "if-match": '"9"', ...authHeaders("editor") },
      body: JSON.stringify({ status: "done" }),
    });
    expect(stale.status).toBe(412);

    const patched = await fetch(`${api}/tasks/${task.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", "if-match": '"1"', ...authHeaders("editor") },
      body: JSON.stringify({ status: "done" }),
    });
    expect(patched.status).toBe(200);
    expect((await patched.json()).version).toBe(2);

    const listed = await fetch(`${api}/tasks?q=${encodeURIComponent(title)}`, withAuth({}, "viewer"));
    expect(listed.status).toBe(200);
    const page = await listed.json();
    expect(page.items.map((item: { id: string }) => item.id)).toEqual([task.id]);
    expect(page.total).toEqual({ value: 1, exact: true });

    const stats = await fetch(`${api}/tasks/stats`, withAuth());
    expect(stats.status).toBe(200);
    expect((await stats.json()).total).toBeGreaterThanOrEqual(1);

    const deleted = await fetch(`${api}/tasks/${task.id}`, withAuth({ method: "DELETE" }, "editor"));
    expect(deleted.status).toBe(204);
    expect((await fetch(`${api}/tasks/${task.id}`, withAuth())).status).toBe(404);

    const health = await fetch(`${api}/health`, withAuth());
    expect(health.status).toBe(200);
    expect((await health.json()).db.ok).toBe(true);
  });
});
