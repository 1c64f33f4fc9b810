// The only module that talks to the task API. The base URL is configuration (PUBLIC_API_URL at
// build time), never code; shapes come from the API's own zod schemas as types only, so no
// validator ships to the browser.
import type { z } from "zod";
import type { HistoryEntry, HistoryPage } from "#contract/audit";
import { etagOf, LIST_FILTER_KEYS, LIST_SET_FILTERS, REQUEST_HEADERS } from "#contract/constants";
import type { OpsSnapshot } from "#contract/ops";
import type {
  CreateTaskInput,
  ErrorBody,
  Task,
  TaskPage,
  TaskStats,
  UpdateTaskInput,
} from "#contract/schemas";
import type { SeedProgress } from "#contract/seed";
import type { PageRequest } from "./block-store";
import { accessToken } from "./session";

export type { HistoryEntry, HistoryPage, Task, TaskPage, TaskStats };
export type NewTask = z.input<typeof CreateTaskInput>;
export type TaskPatch = Omit<z.input<typeof UpdateTaskInput>, "version">;

export const API_URL = (import.meta.env?.PUBLIC_API_URL || "http://localhost:3000").replace(/\/+$/, "");

export type FieldErrors = Record<string, string>;

/** Every failure of a call: `status` 0 means the API could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }

  get unreachable(): boolean {
    return this.status === 0;
  }

  /** Validation messages keyed by the top-level field they name ("tags.3" -> "tags"). */
  get fieldErrors(): FieldErrors {
    const fields: FieldErrors = {};
    for (const detail of this.details) {
      const field = detail.path.split(/[.[]/)[0] || "_";
      fields[field] = fields[field] ? `${fields[field]}; ${detail.message}` : detail.message;
    }
    return fields;
  }
}

export interface ListParams {
  sort?: string;
  status?: readonly string[];
  priority?: readonly string[];
  assignee?: string;
  tag?: string;
  dueAfter?: string;
  dueBefore?: string;
  q?: string;
}

export function listQueryString(params: ListParams, page: PageRequest): string {
  const search = new URLSearchParams();
  search.set("limit", String(page.limit));
  if (page.cursor !== undefined) search.set("cursor", page.cursor);
  if (page.offset !== undefined) search.set("offset", String(page.offset));
  if (params.sort) search.set("sort", params.sort);
  for (const key of LIST_FILTER_KEYS) {
    const value = params[key];
    if (value === undefined) continue;
    if ((LIST_SET_FILTERS as readonly string[]).includes(key)) {
      if (value.length) search.set(key, (value as readonly string[]).join(","));
    } else if ((value as string).trim()) search.set(key, (value as string).trim());
  }
  return search.toString();
}

function bearer(): Record<string, string> {
  const token = accessToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${API_URL}${path}`, {
      ...init,
      // A bearer header, never a cookie: a page of another origin has nothing to replay.
      headers: { accept: "application/json", ...bearer(), ...init.headers },
    });
  } catch (error) {
    if ((error as { name?: string } | null)?.name === "AbortError") throw error;
    throw new ApiError(0, "unreachable", `The task API at ${API_URL} cannot be reached.`);
  }
  if (response.ok) return response;
  let body: Partial<ErrorBody> | null = null;
  try {
    body = (await response.json()) as Partial<ErrorBody>;
  } catch {
    // Not our JSON (a proxy page, say): the status line is all there is.
  }
  const error = body?.error;
  throw new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? `The API answered ${response.status} ${response.statusText}`.trim(),
    error?.details ?? [],
  );
}

export async function listTasks(
  params: ListParams,
  page: PageRequest,
  signal?: AbortSignal,
): Promise<TaskPage> {
  const response = await call(`/tasks?${listQueryString(params, page)}`, { signal });
  return (await response.json()) as TaskPage;
}

export interface VersionedTask {
  task: Task;
  /** The If-Match value for the next update: the ETag, or the version quoted. */
  etag: string;
}

export async function getTask(id: string, signal?: AbortSignal): Promise<VersionedTask> {
  const response = await call(`/tasks/${encodeURIComponent(id)}`, { signal });
  const task = (await response.json()) as Task;
  return { task, etag: response.headers.get("etag") ?? etagOf(task.version) };
}

export async function createTask(input: NewTask, idempotencyKey: string): Promise<Task> {
  const response = await call("/tasks", {
    method: "POST",
    headers: { "content-type": "application/json", [REQUEST_HEADERS.idempotencyKey]: idempotencyKey },
    body: JSON.stringify(input),
  });
  return (await response.json()) as Task;
}

export async function updateTask(id: string, patch: TaskPatch, version: number): Promise<VersionedTask> {
  const response = await call(`/tasks/${encodeURIComponent(id)}`, {
    method: "PATCH",
    headers: { "content-type": "application/json", [REQUEST_HEADERS.ifMatch]: etagOf(version) },
    body: JSON.stringify(patch),
  });
  const task = (await response.json()) as Task;
  return { task, etag: response.headers.get("etag") ?? etagOf(task.version) };
}

/** `keepalive` lets the request finish after the page is gone (a delete sent on leaving). */
export async function deleteTask(id: string, { keepalive = false } = {}): Promise<void> {
  await call(`/tasks/${encodeURIComponent(id)}`, { method: "DELETE", keepalive });
}

export async function getStats(signal?: AbortSignal): Promise<TaskStats> {
  const response = await call("/tasks/stats", { signal });
  return (await response.json()) as TaskStats;
}

export type { SeedProgress };

/** GET /seed/status: how far a running bulk load (the first start's demo data) is, or null. */
export async function getSeedStatus(signal?: AbortSignal): Promise<SeedProgress | null> {
  const response = await call("/seed/status", { signal });
  return ((await response.json()) as { seeding: SeedProgress | null }).seeding;
}

/** Who changed a task, newest first; `cursor` is the previous page's nextCursor. */
export async function getTaskHistory(
  id: string,
  cursor?: string,
  signal?: AbortSignal,
): Promise<HistoryPage> {
  const search = new URLSearchParams({ limit: "20" });
  if (cursor) search.set("cursor", cursor);
  const response = await call(`/tasks/${encodeURIComponent(id)}/history?${search}`, { signal });
  return (await response.json()) as HistoryPage;
}

export type { OpsSnapshot };

/** GET /ops (admin): the operations figures; a 403 ApiError for anyone else. */
export async function getOps(signal?: AbortSignal): Promise<OpsSnapshot> {
  const response = await call("/ops", { signal });
  return (await response.json()) as OpsSnapshot;
}
