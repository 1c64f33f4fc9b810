// The view lives in the URL (?sort=-dueAt&status=todo,blocked&q=invoice&row=4812000&task=42) so it
// can be shared and survives a reload. Parsing is forgiving: unknown values are dropped, never
// sent to the API.
import { isSearchableTerm, MAX_ASSIGNEE, MAX_QUERY, MAX_TAG, TASK_ID_PATTERN } from "#contract/constants";
import type { ListParams, Task } from "./api";
import {
  DEFAULT_SORT,
  PRIORITIES,
  SORT_KEYS,
  type SortKey,
  STATUSES,
  type TaskPriority,
  type TaskStatus,
} from "./labels";

export interface ViewState {
  sort: string;
  status: TaskStatus[];
  priority: TaskPriority[];
  assignee: string;
  tag: string;
  /** Due on or after this day ("YYYY-MM-DD", local), or "". */
  dueFrom: string;
  /** Due on or before this day ("YYYY-MM-DD", local), or "". */
  dueTo: string;
  q: string;
  /** 0-based global index of the top visible row. */
  row: number;
  /** Open detail drawer: a task id, "new", or null. */
  task: string | null;
  /** The saved view this came from (its id, a UUID), or null. */
  view: string | null;
}

export const DEFAULT_VIEW: ViewState = {
  sort: DEFAULT_SORT,
  status: [],
  priority: [],
  assignee: "",
  tag: "",
  dueFrom: "",
  dueTo: "",
  q: "",
  row: 0,
  task: null,
  view: null,
};

const VIEW_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function validDay(value: string | null): string {
  return value && DAY.test(value) && !Number.isNaN(new Date(`${value}T00:00`).getTime()) ? value : "";
}

/** Local midnight of `day` plus `days`, as the ISO instant the API's due filters take. */
export function dayStart(day: string, days = 0): string {
  const date = new Date(`${day}T00:00`);
  date.setDate(date.getDate() + days);
  return date.toISOString();
}

function listOf<T extends string>(value: string | null, allowed: readonly T[]): T[] {
  if (!value) return [];
  const wanted = new Set(value.split(","));
  return allowed.filter((item) => wanted.has(item));
}

export function parseSort(sort: string): { key: SortKey; direction: "asc" | "desc" } {
  const key = sort.replace(/^-/, "");
  const valid = (SORT_KEYS as readonly string[]).includes(key) ? (key as SortKey) : "createdAt";
  return { key: valid, direction: sort.startsWith("-") || valid !== key ? "desc" : "asc" };
}

export function formatSort(key: SortKey, direction: "asc" | "desc"): string {
  return direction === "desc" ? `-${key}` : key;
}

/** The same ordering walked from its other end (the API breaks ties by id in the sort's direction). */
export function reverseSort(sort: string | undefined): string {
  const { key, direction } = parseSort(sort ?? DEFAULT_SORT);
  return formatSort(key, direction === "asc" ? "desc" : "asc");
}

export function parseViewState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const sort = parseSort(params.get("sort") ?? DEFAULT_SORT);
  const row = Number(params.get("row"));
  const task = params.get("task");
  return {
    sort: formatSort(sort.key, sort.direction),
    status: listOf(params.get("status"), STATUSES),
    priority: listOf(params.get("priority"), PRIORITIES),
    assignee: (params.get("assignee") ?? "").slice(0, MAX_ASSIGNEE),
    tag: (params.get("tag") ?? "").slice(0, MAX_TAG),
    dueFrom: validDay(params.get("dueFrom")),
    dueTo: validDay(params.get("dueTo")),
    q: (params.get("q") ?? "").slice(0, MAX_QUERY),
    row: Number.isSafeInteger(row) && row > 0 ? row : 0,
    task: task === "new" || (task !== null && TASK_ID_PATTERN.test(task)) ? task : null,
    view: VIEW_ID.test(params.get("view") ?? "") ? (params.get("view") as string).toLowerCase() : null,
  };
}

/** Query string for a view, leaving defaults out so shared links stay short. */
export function serializeViewState(view: ViewState): string {
  const params = new URLSearchParams();
  if (view.sort !== DEFAULT_SORT) params.set("sort", view.sort);
  if (view.status.length) params.set("status", view.status.join(","));
  if (view.priority.length) params.set("priority", view.priority.join(","));
  if (view.assignee.trim()) params.set("assignee", view.assignee.trim());
  if (view.tag.trim()) params.set("tag", view.tag.trim());
  if (view.dueFrom) params.set("dueFrom", view.dueFrom);
  if (view.dueTo) params.set("dueTo", view.dueTo);
  if (view.q.trim()) params.set("q", view.q.trim());
  if (view.row > 0) params.set("row", String(view.row));
  if (view.task) params.set("task", view.task);
  if (view.view) params.set("view", view.view);
  const text = params.toString().replaceAll("%2C", ",");
  return text ? `?${text}` : "";
}

export function listParams(view: ViewState): ListParams {
  return {
    sort: view.sort,
    status: view.status,
    priority: view.priority,
    assignee: view.assignee.trim() || undefined,
    tag: view.tag.trim() || undefined,
    // Whole local days, both ends included (the API's dueBefore excludes its instant).
    dueAfter: view.dueFrom ? dayStart(view.dueFrom) : undefined,
    dueBefore: view.dueTo ? dayStart(view.dueTo, 1) : undefined,
    // The API refuses a term without a run of MIN_SEARCH_RUN letters or digits: the grid waits for one.
    q: isSearchableTerm(view.q) ? view.q.trim() : undefined,
  };
}

/** Identity of the rows a view asks for (position and drawer excluded). */
export function queryKey(view: ViewState): string {
  const params = listParams(view);
  return JSON.stringify([
    params.sort,
    params.status?.join(","),
    params.priority?.join(","),
    params.assignee,
    params.tag,
    params.dueAfter,
    params.dueBefore,
    params.q,
  ]);
}

export function hasFilters(view: ViewState): boolean {
  return (
    view.status.length > 0 ||
    view.priority.length > 0 ||
    view.assignee.trim() !== "" ||
    view.tag.trim() !== "" ||
    view.dueFrom !== "" ||
    view.dueTo !== "" ||
    view.q.trim() !== ""
  );
}

/**
 * Whether a task belongs in the rows a view asks for, by the same rules as the API's filters
 * (search: a case-insensitive substring of the title). Live updates count only such new tasks.
 */
export function matchesView(task: Task, view: ViewState): boolean {
  const { status, priority, assignee, tag, q, dueAfter, dueBefore } = listParams(view);
  const due = task.dueAt === null ? null : Date.parse(task.dueAt);
  if (dueAfter !== undefined && (due === null || due < Date.parse(dueAfter))) return false;
  if (dueBefore !== undefined && (due === null || due >= Date.parse(dueBefore))) return false;
  if (status?.length && !status.includes(task.status)) return false;
  if (priority?.length && !priority.includes(task.priority)) return false;
  if (assignee !== undefined && task.assignee !== assignee) return false;
  if (tag !== undefined && !task.tags.includes(tag)) return false;
  return q === undefined || task.title.toLowerCase().includes(q.toLowerCase());
}

/** Whether a URL names any filter, sort or search (else a saved view's own query applies). */
export function urlHasQuery(search: string): boolean {
  const params = new URLSearchParams(search);
  return ["sort", "status", "priority", "assignee", "tag", "dueFrom", "dueTo", "q"].some((key) =>
    params.has(key),
  );
}

/** The local day ("YYYY-MM-DD") an instant falls on, `days` later. */
function localDay(instant: string, days = 0): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return "";
  date.setDate(date.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * A saved view's query (the list query's strings, as `filterOf` writes them) as the grid's view
 * fields: the inverse of listParams, due instants back to whole local days.
 */
export function viewFromQuery(query: Record<string, string>): Omit<ViewState, "row" | "task" | "view"> {
  const search = new URLSearchParams();
  for (const key of ["sort", "status", "priority", "assignee", "tag", "q"]) {
    const value = query[key];
    if (value) search.set(key, value);
  }
  if (query.dueAfter) search.set("dueFrom", localDay(query.dueAfter));
  // dueBefore excludes its instant: the last day included is the one before it.
  if (query.dueBefore) search.set("dueTo", localDay(query.dueBefore, -1));
  const { row: _row, task: _task, view: _view, ...fields } = parseViewState(`?${search}`);
  return fields;
}
