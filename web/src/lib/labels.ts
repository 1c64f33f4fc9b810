// Display names for the API's enums. Typed as exhaustive records over the schema's types, so a
// status or priority added to the API fails the typecheck here instead of silently missing.
import {
  DEFAULT_SORT,
  SORT_KEYS,
  type SortKey,
  TASK_PRIORITIES,
  TASK_STATUSES,
  type TaskPriority,
  type TaskStatus,
} from "#contract/constants";

export type { SortKey, TaskPriority, TaskStatus };
export { DEFAULT_SORT, SORT_KEYS };

export const STATUS_LABELS: Record<TaskStatus, string> = {
  todo: "To do",
  in_progress: "In progress",
  blocked: "Blocked",
  done: "Done",
};

export const PRIORITY_LABELS: Record<TaskPriority, string> = {
  low: "Low",
  medium: "Medium",
  high: "High",
  urgent: "Urgent",
};

export const SORT_LABELS: Record<SortKey, string> = {
  createdAt: "Created",
  updatedAt: "Updated",
  dueAt: "Due",
  priority: "Priority",
  title: "Title",
  status: "Status",
};

export const STATUSES: readonly TaskStatus[] = TASK_STATUSES;
export const PRIORITIES: readonly TaskPriority[] = TASK_PRIORITIES;

/** The direction a first click on a column header sorts by: newest or most urgent first. */
export const FIRST_DIRECTION: Record<SortKey, "asc" | "desc"> = {
  createdAt: "desc",
  updatedAt: "desc",
  dueAt: "asc",
  priority: "desc",
  title: "asc",
  status: "asc",
};

const dateFormat = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", day: "numeric" });
const dateTimeFormat = new Intl.DateTimeFormat("en-US", {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

export function formatDate(iso: string | null): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}

const shortDateFormat = new Intl.DateTimeFormat("en-US", {
  year: "2-digit",
  month: "numeric",
  day: "numeric",
});

/** "5/20/31": what fits a phone's date column. */
export function formatShortDate(iso: string | null): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : shortDateFormat.format(date);
}

export function formatDateTime(iso: string | null): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date);
}
