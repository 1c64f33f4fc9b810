// One task as the API returns it; tests override only what they are about.
import type { Task } from "#contract/schemas";

export function taskFixture(overrides: Partial<Task> = {}): Task {
  return {
    id: "1",
    title: "task",
    description: "",
    status: "todo",
    priority: "medium",
    assignee: null,
    tags: [],
    dueAt: null,
    expiresAt: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    version: 1,
    ...overrides,
  };
}
