// The drawer's form values and their translation to API inputs. Values are sent as typed (titles
// untrimmed, tags as written) so that the API's own validation, not a second copy of it here,
// decides and explains what is wrong.
import type { NewTask, Task, TaskPatch } from "./api";
import type { TaskPriority, TaskStatus } from "./labels";

export interface TaskFormValues {
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  assignee: string;
  /** Comma-separated. */
  tags: string;
  /** `datetime-local` value in the browser's time zone, or "". */
  dueAt: string;
}

export const EMPTY_FORM: TaskFormValues = {
  title: "",
  description: "",
  status: "todo",
  priority: "medium",
  assignee: "",
  tags: "",
  dueAt: "",
};

const pad = (value: number) => String(value).padStart(2, "0");

/** An ISO instant as a `datetime-local` value in the local time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(
    date.getMinutes(),
  )}`;
}

/** A `datetime-local` value as an ISO instant; "" is null, garbage is passed on for the API to reject. */
export function fromLocalInput(value: string): string | null {
  if (!value.trim()) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

export function parseTags(text: string): string[] {
  return text
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => tag !== "");
}

export function formFromTask(task: Task): TaskFormValues {
  return {
    title: task.title,
    description: task.description,
    status: task.status,
    priority: task.priority,
    assignee: task.assignee ?? "",
    tags: task.tags.join(", "),
    dueAt: toLocalInput(task.dueAt),
  };
}

export function newTaskFromForm(values: TaskFormValues): NewTask {
  return {
    title: values.title,
    description: values.description,
    status: values.status,
    priority: values.priority,
    assignee: values.assignee.trim() === "" ? null : values.assignee,
    tags: parseTags(values.tags),
    dueAt: fromLocalInput(values.dueAt),
  };
}

/** Only the fields that differ from `task`; empty when nothing changed. */
export function patchFromForm(task: Task, values: TaskFormValues): TaskPatch {
  const next = newTaskFromForm(values);
  const patch: TaskPatch = {};
  if (next.title !== task.title) patch.title = next.title;
  if (next.description !== task.description) patch.description = next.description;
  if (next.status !== task.status) patch.status = next.status;
  if (next.priority !== task.priority) patch.priority = next.priority;
  if ((next.assignee ?? null) !== task.assignee) patch.assignee = next.assignee ?? null;
  if (JSON.stringify(next.tags) !== JSON.stringify(task.tags)) patch.tags = next.tags ?? [];
  if (values.dueAt !== toLocalInput(task.dueAt)) patch.dueAt = next.dueAt ?? null;
  return patch;
}

/** What the row shows while a patch is in flight. */
export function applyPatch(task: Task, patch: TaskPatch): Task {
  return {
    ...task,
    ...(patch.title !== undefined && { title: patch.title.trim() }),
    ...(patch.description !== undefined && { description: patch.description }),
    ...(patch.status !== undefined && { status: patch.status }),
    ...(patch.priority !== undefined && { priority: patch.priority }),
    ...(patch.assignee !== undefined && { assignee: patch.assignee }),
    ...(patch.tags !== undefined && { tags: patch.tags }),
    ...(patch.dueAt !== undefined && { dueAt: patch.dueAt }),
  };
}

export function newIdempotencyKey(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // randomUUID needs a secure context; a LAN address over http is not one.
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
