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

/**
 * The API's length limits (functions' MAX_TITLE, MAX_DESCRIPTION, MAX_TAGS, MAX_TAG,
 * MAX_ASSIGNEE; a unit test keeps them equal). Copied, not imported, so that no validator ships
 * to the browser; they drive the counters and the messages, the API still decides.
 */
export const FIELD_LIMITS = { title: 200, description: 10_000, tags: 10, tag: 40, assignee: 100 } as const;

export function sameForm(a: TaskFormValues, b: TaskFormValues): boolean {
  return (Object.keys(a) as (keyof TaskFormValues)[]).every((key) => a[key] === b[key]);
}

/** Length problems the browser can see before sending, worded as the messages below. */
export function localFieldErrors(values: TaskFormValues): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  const tooLong = (path: string, length: number, max: number) =>
    length > max && errors.push({ path, message: lengthMessage(length, max, "characters") });
  tooLong("title", values.title.trim().length, FIELD_LIMITS.title);
  tooLong("description", values.description.length, FIELD_LIMITS.description);
  tooLong("assignee", values.assignee.trim().length, FIELD_LIMITS.assignee);
  const tags = parseTags(values.tags);
  if (tags.length > FIELD_LIMITS.tags)
    errors.push({ path: "tags", message: `At most ${FIELD_LIMITS.tags} tags; this has ${tags.length}.` });
  const long = tags.find((tag) => tag.length > FIELD_LIMITS.tag);
  if (long)
    errors.push({ path: "tags", message: `Each tag can have at most ${FIELD_LIMITS.tag} characters.` });
  return errors;
}

function lengthMessage(length: number, max: number, unit: string): string {
  return `At most ${max.toLocaleString("en-US")} ${unit}; this has ${length.toLocaleString("en-US")}.`;
}

const FIELD_VALUE: Partial<Record<string, (values: TaskFormValues) => string>> = {
  title: (values) => values.title.trim(),
  description: (values) => values.description,
  assignee: (values) => values.assignee.trim(),
};

/**
 * The API's validation messages in a person's words ("Too big: expected string to have <=200
 * characters" reads "At most 200 characters; this has 212."); unknown ones pass unchanged.
 */
export function friendlyFieldErrors(
  fields: Record<string, string>,
  values: TaskFormValues,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [field, message] of Object.entries(fields)) {
    const tooBigText = message.match(/Too big: expected string to have <=(\d+) characters/);
    const tooBigList = message.match(/Too big: expected array to have <=(\d+) items/);
    const value = FIELD_VALUE[field]?.(values);
    if (tooBigText?.[1] && value !== undefined)
      result[field] = lengthMessage(value.length, Number(tooBigText[1]), "characters");
    else if (tooBigText?.[1]) result[field] = `At most ${tooBigText[1]} characters.`;
    else if (tooBigList?.[1])
      result[field] = `At most ${tooBigList[1]} ${field === "tags" ? "tags" : "items"}.`;
    else if (/Too small: expected string to have >=1 characters/.test(message))
      result[field] = "This cannot be empty.";
    else if (/Invalid ISO datetime/.test(message)) result[field] = "Enter a valid date and time.";
    else result[field] = message;
  }
  return result;
}
