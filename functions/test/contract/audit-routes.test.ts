// The audit routes and rate-limit headers through serverless-offline over HTTP, as curl sees them.
import { describe, expect, inject, it } from "vitest";
import { uniqueMarker } from "../support/factories";
import { authHeaders, withAuth } from "../support/tokens";

const api = inject("apiUrl");

describe("history, audit and rate-limit headers over HTTP", () => {
  it("when a task is created, edited and deleted over HTTP, then its history and the audit log show it with distinct request ids", async () => {
    const json = { "content-type": "application/json", ...authHeaders("editor") };
    // Seeds in other files restart task ids; entries from before this test are another task's.
    const since = new Date(Date.now() - 1_000).toISOString();
    const created = await fetch(`${api}/tasks`, {
      method: "POST",
      headers: { ...json, "user-agent": "contract-test/1" },
      body: JSON.stringify({ title: `Hist ${uniqueMarker()}`, status: "todo" }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("ratelimit-policy")).toMatch(/^"write";q=\d+;w=\d+$/);
    expect(created.headers.get("ratelimit")).toMatch(/^"write";r=\d+;t=\d+$/);
    const task = await created.json();
    const patched = await fetch(`${api}/tasks/${task.id}`, {
      method: "PATCH",
      headers: json,
      body: JSON.stringify({ status: "done" }),
    });
    expect(patched.status).toBe(200);
    expect((await fetch(`${api}/tasks/${task.id}`, { method: "DELETE", headers: json })).status).toBe(204);

    const history = await fetch(`${api}/tasks/${task.id}/history`, withAuth({}, "viewer"));
    expect(history.status).toBe(200);
    expect(history.headers.get("ratelimit-policy")).toMatch(/^"read";q=\d+;w=\d+$/);
    const page = await history.json();
    expect(page.items.map((entry: { action: string }) => entry.action)).toEqual([
      "task.delete",
      "task.update",
      "task.create",
    ]);
    expect(page.items[1]).toMatchObject({
      actor: { id: "test-editor", name: "Test editor", role: "editor" },
      changes: { status: { from: "todo", to: "done" } },
    });

    const audit = await (
      await fetch(
        `${api}/audit?taskId=${task.id}&actor=test-editor&since=${encodeURIComponent(since)}`,
        withAuth(),
      )
    ).json();
    expect(audit.items).toHaveLength(3);
    const requestIds = new Set(audit.items.map((entry: { requestId: string }) => entry.requestId));
    // serverless-offline's requestContext.requestId is one constant; the Lambda context's id is not.
    expect(requestIds.size).toBe(3);
    expect(audit.items[2].userAgent).toBe("contract-test/1");

    expect((await fetch(`${api}/audit`, withAuth({}, "editor"))).status).toBe(403);
    expect((await fetch(`${api}/audit?since=soon`, withAuth())).status).toBe(400);
  });
});
