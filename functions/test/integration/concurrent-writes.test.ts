import { describe, expect, it } from "vitest";
import { handler as taskStats } from "../../src/handlers/task-stats";
import { handler as updateTask } from "../../src/handlers/update-task";
import { query } from "../../src/platform/db";
import { invoke } from "../support/events";
import { makeTask } from "../support/factories";

describe("concurrent writes", () => {
  it("when many updates move tasks between the same statuses in opposite directions, then none fails and the counts stay exact", async () => {
    const todo = await Promise.all(
      Array.from({ length: 20 }, () => makeTask({ status: "todo", priority: "high" })),
    );
    const done = await Promise.all(
      Array.from({ length: 20 }, () => makeTask({ status: "done", priority: "low" })),
    );
    const moves = [
      ...todo.map((task) => ({ id: task.id, body: { status: "done", priority: "low" } })),
      ...done.map((task) => ({ id: task.id, body: { status: "todo", priority: "high" } })),
    ];
    for (let round = 0; round < 3; round += 1) {
      const responses = await Promise.all(
        moves.map(({ id, body }) =>
          invoke(updateTask, {
            method: "PATCH",
            pathParameters: { id },
            body: round % 2 === 0 ? body : { status: body.status === "done" ? "todo" : "done" },
          }),
        ),
      );
      expect(responses.map((response) => response.statusCode)).toEqual(moves.map(() => 200));
    }
    const stats = (await invoke(taskStats)).json();
    const actual = await query<{ status: string; n: string }>(
      "select status, count(*) as n from tasks where expires_at is null or expires_at > now() group by 1",
    );
    for (const row of actual.rows) expect(stats.byStatus[row.status]).toBe(Number(row.n));
  });
});
