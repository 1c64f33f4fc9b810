import { describe, expect, it } from "vitest";
import { handler as createTask } from "../../src/handlers/create-task";
import { handler as getTask } from "../../src/handlers/get-task";
import { query } from "../../src/platform/db";
import { invoke } from "../support/events";
import { uniqueMarker } from "../support/factories";

const countTitled = async (title: string) =>
  Number(
    (await query<{ n: string }>("select count(*) as n from tasks where title = $1", [title])).rows[0]?.n,
  );

describe("POST /tasks", () => {
  it("when the body is valid, then it answers 201 with Location, ETag and the stored task", async () => {
    const title = `Write ${uniqueMarker()}`;
    const response = await invoke(createTask, {
      method: "POST",
      path: "/tasks",
      body: {
        title: `  ${title}  `,
        priority: "urgent",
        tags: ["x", "x", "y"],
        dueAt: "2031-05-01T10:00:00+02:00",
      },
    });
    expect(response.statusCode).toBe(201);
    const task = response.json();
    expect(response.headers.Location).toBe(`/tasks/${task.id}`);
    expect(response.headers.ETag).toBe('"1"');
    expect(task).toMatchObject({ title, priority: "urgent", status: "todo", tags: ["x", "y"], version: 1 });
    expect(task.dueAt).toBe("2031-05-01T08:00:00.000000Z");
    const fetched = await invoke(getTask, { path: `/tasks/${task.id}`, pathParameters: { id: task.id } });
    expect(fetched.json()).toEqual(task);
  });

  it("when the same Idempotency-Key is retried, then the first result is replayed and nothing new is created", async () => {
    const title = `Once ${uniqueMarker()}`;
    const request = {
      method: "POST",
      path: "/tasks",
      body: { title },
      headers: { "idempotency-key": uniqueMarker("k") },
    };
    const [first, second] = await Promise.all([invoke(createTask, request), invoke(createTask, request)]);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    expect(await countTitled(title)).toBe(1);
  });

  it("when an Idempotency-Key is reused for a different body, then it answers 409 and creates nothing", async () => {
    const key = uniqueMarker("k");
    const title = `Other ${uniqueMarker()}`;
    await invoke(createTask, {
      method: "POST",
      path: "/tasks",
      body: { title: "first" },
      headers: { "idempotency-key": key },
    });
    const reused = await invoke(createTask, {
      method: "POST",
      path: "/tasks",
      body: { title },
      headers: { "idempotency-key": key },
    });
    expect(reused.statusCode).toBe(409);
    expect(reused.json().error.code).toBe("conflict");
    expect(await countTitled(title)).toBe(0);
  });

  it("when an Idempotency-Key is older than its TTL, then it is free again: a new request with it creates a task", async () => {
    const key = uniqueMarker("k");
    const post = (title: string) =>
      invoke(createTask, {
        method: "POST",
        path: "/tasks",
        body: { title },
        headers: { "idempotency-key": key },
      });
    const first = await post("first of an old key");
    await query("update idempotency_keys set created_at = now() - interval '25 hours' where key = $1", [key]);
    const title = `After the TTL ${uniqueMarker()}`;
    const later = await post(title);
    expect(later.statusCode).toBe(201);
    expect(later.json().id).not.toBe(first.json().id);
    expect(await countTitled(title)).toBe(1);
    // ... and from then on the key replays the new answer.
    expect((await post(title)).json()).toEqual(later.json());
  });
});
