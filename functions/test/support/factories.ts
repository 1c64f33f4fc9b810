// Test data built through the repository, each test making its own with a unique marker so that
// assertions never depend on rows another test created.
import { randomUUID } from "node:crypto";
import { CreateTaskInput } from "#contract/schemas";
import { type AuditContext, systemAuditContext } from "../../src/audit/context";
import { query } from "../../src/platform/db";
import { createTask } from "../../src/tasks/repository";

export const uniqueMarker = (prefix = "t"): string => `${prefix}${randomUUID().slice(0, 8)}`;

export type TaskOverrides = Partial<Record<keyof CreateTaskInput, unknown>>;

/** Test data is recorded as the control plane's, apart from what a test writes through a handler. */
export const factoryAudit: AuditContext = systemAuditContext("test-factory", {
  id: "test-factory",
  name: "test factory",
  role: "system",
});

export async function makeTask(overrides: TaskOverrides = {}) {
  const input = CreateTaskInput.parse({ title: `Task ${uniqueMarker()}`, ...overrides });
  const created = await createTask(input, factoryAudit);
  return JSON.parse(created.json) as import("#contract/schemas").Task;
}

/** Bulk rows straight in SQL for ordering tests: many equal keys, optionally a shared tag. */
export async function insertTasksSql(count: number, tag: string, distinctKeys = 3): Promise<void> {
  await query(
    `insert into tasks (title, status, priority, assignee, tags, due_at, created_at, updated_at)
     select 'Bulk ' || (g % $2), (array['todo','in_progress','blocked','done'])[1 + g % 4], (g % 4)::int2,
            'user' || (g % $2), array[$3::text], case when g % 3 = 0 then null else '2030-01-01'::timestamptz + (g % $2) * interval '1 day' end,
            '2030-01-01'::timestamptz + (g % $2) * interval '1 second', '2030-01-01'::timestamptz + (g % $2) * interval '1 second'
     from generate_series(1, $1) g`,
    [count, distinctKeys, tag],
  );
}
