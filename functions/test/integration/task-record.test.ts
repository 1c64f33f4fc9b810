// The facts next to a task's JSON come from typed columns of the same row: they must say exactly
// what the JSON says, to the microsecond, or the cache's index and the live feed would drift.
import { describe, expect, it } from "vitest";
import { CreateTaskInput, type Task } from "#contract/schemas";
import { createTask, getTask, getTasks, updateTask } from "../../src/tasks/repository";
import { factoryAudit, uniqueMarker } from "../support/factories";

const micros = (iso: string): number => {
  const [, whole, fraction = ""] = /^(.*?)(?:\.(\d+))?Z$/.exec(iso) ?? [];
  return Date.parse(`${whole}Z`) * 1_000 + Number(fraction.padEnd(6, "0"));
};

describe("task records", () => {
  it("when a task is created, read and updated, then its facts equal what its JSON says", async () => {
    const created = await createTask(
      CreateTaskInput.parse({
        title: `Record ${uniqueMarker()}`,
        status: "blocked",
        expiresAt: "2099-05-06T07:08:09.123456Z",
      }),
      factoryAudit,
    );
    if (created.replayed) throw new Error("a fresh create is never a replay");
    const updated = await updateTask(created.id, { status: "done" }, factoryAudit);
    for (const record of [created, await getTask(created.id), ...(await getTasks([created.id])), updated]) {
      const task = JSON.parse(record.json) as Task;
      expect(record.id).toBe(task.id);
      expect(record.version).toBe(task.version);
      expect(record.status).toBe(task.status);
      expect(record.createdAt).toBe(task.createdAt);
      expect(record.createdMicros).toBe(micros(task.createdAt));
      expect(record.expiresAtMicros).toBe(micros("2099-05-06T07:08:09.123456Z"));
    }
    expect(updated.status).toBe("done");
    expect(updated.version).toBe(2);
  });
});
