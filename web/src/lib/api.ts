// The only module that talks to the task API. The base URL is configuration (PUBLIC_API_URL at
// build time), never code; shapes come from the API's own zod schemas as types only, so no
// validator ships to the browser.
import type { z } from "zod";
import type { HistoryEntry, HistoryPage } from "#contract/audit";
import type { ExportFormat } from "#contract/constants";
import { etagOf, LIST_FILTER_KEYS, LIST_SET_FILTERS, REQUEST_HEADERS } from "#contract/constants";
import type { Facets } from "#contract/facets";
import type { BulkActionInput, ImportProblem, Job } from "#contract/jobs";
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
import type { SelectionInput, TaskFilterInput } from "#contract/selection";
import type { CreateViewInput, UpdateViewInput, View } from "#contract/views";
import type { PageRequest } from "./block-store";
import { accessToken } from "./session";

export type {
  BulkActionInput,
  ExportFormat,
  Facets,
  HistoryEntry,
  HistoryPage,
  ImportProblem,
  Job,
  SelectionInput,
  Task,
  TaskFilterInput,
  TaskPage,
  TaskStats,
  View,
};
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

/**
 * A view's filters (and sort) as the list query's strings (`status: "todo,done"`): the shape of
 * GET /tasks's query, a bulk selection's or export's `filter` and a saved view's `query`.
 */
export function filterOf(params: ListParams, { sort = true } = {}): Record<string, string> {
  const filter: Record<string, string> = {};
  if (sort && params.sort) filter.sort = params.sort;
  for (const key of LIST_FILTER_KEYS) {
    const value = params[key];
    if (value === undefined) continue;
    if ((LIST_SET_FILTERS as readonly string[]).includes(key)) {
      if (value.length) filter[key] = (value as readonly string[]).join(",");
    } else if ((value as string).trim()) filter[key] = (value as string).trim();
  }
  return filter;
}

export function listQueryString(params: ListParams, page: PageRequest): string {
  const search = new URLSearchParams();
  search.set("limit", String(page.limit));
  if (page.cursor !== undefined) search.set("cursor", page.cursor);
  if (page.offset !== undefined) search.set("offset", String(page.offset));
  for (const [key, value] of Object.entries(filterOf(params))) search.set(key, value);
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

// Work on many tasks at once (bulk edits, exports, imports) runs as jobs: each call answers with
// the job at once (202), and its progress is read with getJob (or arrives over the live feed).

async function jobOf(response: Response): Promise<Job> {
  return ((await response.json()) as { job: Job }).job;
}

function postJson(path: string, body: unknown): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

export async function startBulk(selection: SelectionInput, action: BulkActionInput): Promise<Job> {
  return jobOf(await postJson("/tasks/bulk", { selection, action }));
}

export async function startExport(filter: TaskFilterInput, format: ExportFormat): Promise<Job> {
  return jobOf(await postJson("/tasks/export", { filter, format }));
}

export async function getJob(id: string, signal?: AbortSignal): Promise<Job> {
  return jobOf(await call(`/jobs/${encodeURIComponent(id)}`, { signal }));
}

export async function cancelJob(id: string): Promise<Job> {
  return jobOf(await call(`/jobs/${encodeURIComponent(id)}`, { method: "DELETE" }));
}

/** A finished export's file, fetched with the bearer token (a plain link could not send it). */
export async function downloadExport(job: Job): Promise<{ blob: Blob; filename: string }> {
  const response = await call(job.download ?? `/jobs/${encodeURIComponent(job.id)}/download`, {
    headers: { accept: "text/csv, application/x-ndjson, */*" },
  });
  const disposition = response.headers.get("content-disposition") ?? "";
  const named = /filename="?([^";]+)"?/i.exec(disposition)?.[1];
  return { blob: await response.blob(), filename: named ?? `tasks-${job.id}.${job.format ?? "csv"}` };
}

/**
 * POST /tasks/import: every row valid starts a job that creates them all; otherwise an ApiError
 * (422 `invalid_import`) whose details name each problem's line and column (`importProblems`).
 */
export async function importCsv(csv: Blob | string): Promise<Job> {
  return jobOf(
    await call("/tasks/import", { method: "POST", headers: { "content-type": "text/csv" }, body: csv }),
  );
}

/** The import's problems, by line and column, from the error it answered with. */
export function importProblems(error: ApiError): ImportProblem[] {
  return error.details.map((detail) => {
    const problem = detail as Partial<ImportProblem> & { path: string; message: string };
    return {
      path: detail.path,
      message: detail.message,
      line: typeof problem.line === "number" ? problem.line : 0,
      column: typeof problem.column === "string" ? problem.column : null,
    };
  });
}

export async function getFacets(params: ListParams, signal?: AbortSignal): Promise<Facets> {
  const search = new URLSearchParams(filterOf(params, { sort: false }));
  return (await (await call(`/tasks/facets?${search}`, { signal })).json()) as Facets;
}

export async function listViews(signal?: AbortSignal): Promise<View[]> {
  return ((await (await call("/views", { signal })).json()) as { items: View[] }).items;
}

export async function getView(id: string, signal?: AbortSignal): Promise<View> {
  return (await (await call(`/views/${encodeURIComponent(id)}`, { signal })).json()) as View;
}

export async function createView(input: CreateViewInput): Promise<View> {
  return (await (await postJson("/views", input)).json()) as View;
}

export async function updateView(id: string, patch: UpdateViewInput): Promise<View> {
  const response = await call(`/views/${encodeURIComponent(id)}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(patch),
  });
  return (await response.json()) as View;
}

export async function deleteView(id: string): Promise<void> {
  await call(`/views/${encodeURIComponent(id)}`, { method: "DELETE" });
}

export type { OpsSnapshot };

/** GET /ops (admin): the operations figures; a 403 ApiError for anyone else. */
export async function getOps(signal?: AbortSignal): Promise<OpsSnapshot> {
  const response = await call("/ops", { signal });
  return (await response.json()) as OpsSnapshot;
}
