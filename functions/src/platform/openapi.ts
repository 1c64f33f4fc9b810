// The OpenAPI document, generated from the same zod schemas that validate requests, so the
// published contract cannot drift from what the functions accept.
import * as z from "zod";
import { createDocument } from "zod-openapi";
import { AuditPage, AuditQuery, HistoryPage, HistoryQuery } from "../audit/schemas";
import {
  CreateTaskInput,
  ErrorBody,
  ListTasksQuery,
  Task,
  TaskPage,
  TaskPath,
  TaskStats,
  UpdateTaskInput,
} from "../tasks/schemas";

const jsonContent = (schema: z.ZodType) => ({ "application/json": { schema } });
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [String(code), { description: "Error", content: jsonContent(ErrorBody) }]),
  );
const versionHeader = z.string().meta({ description: 'The version as an ETag, e.g. "3"' });

export function buildOpenApiDocument() {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "million-tasks",
      version: "1.0.0",
      description: "Task API that stays fast at millions of tasks",
    },
    // Every route needs a bearer token (viewer to read, editor to write) unless it says otherwise;
    // 401 and 403 answer in the one error shape (functions/src/platform/auth.ts).
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
    },
    security: [{ bearer: [] }],
    paths: {
      "/tasks": {
        get: {
          summary: "List tasks: keyset pages (cursor), position jumps (offset), sort, filters, search",
          requestParams: { query: ListTasksQuery },
          responses: {
            "200": { description: "A page", content: jsonContent(TaskPage) },
            ...errors(400, 503),
          },
        },
        post: {
          summary: "Create a task (Idempotency-Key honoured)",
          requestParams: { header: z.object({ "idempotency-key": z.string().optional() }) },
          requestBody: { content: jsonContent(CreateTaskInput) },
          responses: {
            "201": { description: "Created", content: jsonContent(Task) },
            ...errors(400, 409, 413, 415, 422, 503),
          },
        },
      },
      "/tasks/{id}": {
        get: {
          summary: "Get a task (ETag)",
          requestParams: { path: TaskPath },
          responses: {
            "200": { description: "The task", content: jsonContent(Task) },
            ...errors(400, 404, 503),
          },
        },
        patch: {
          summary: "Update fields of a task; If-Match or version guards against stale writes",
          requestParams: { path: TaskPath, header: z.object({ "if-match": versionHeader.optional() }) },
          requestBody: { content: jsonContent(UpdateTaskInput) },
          responses: {
            "200": { description: "The updated task", content: jsonContent(Task) },
            ...errors(400, 404, 412, 413, 415, 422, 503),
          },
        },
        delete: {
          summary: "Delete a task",
          requestParams: { path: TaskPath, header: z.object({ "if-match": versionHeader.optional() }) },
          responses: { "204": { description: "Deleted" }, ...errors(400, 404, 412, 503) },
        },
      },
      "/tasks/{id}/history": {
        get: {
          summary: "Who changed a task, newest first (viewer and up); kept after the task is deleted",
          requestParams: { path: TaskPath, query: HistoryQuery },
          responses: {
            "200": { description: "A page of history", content: jsonContent(HistoryPage) },
            ...errors(400, 401, 404, 429, 503),
          },
        },
      },
      "/audit": {
        get: {
          summary: "Every recorded change, newest first (admin); filters actor, action, taskId, since, until",
          requestParams: { query: AuditQuery },
          responses: {
            "200": { description: "A page of audit entries", content: jsonContent(AuditPage) },
            ...errors(400, 401, 403, 429, 503),
          },
        },
      },
      "/tasks/stats": {
        get: {
          summary: "Exact counts by status and priority",
          responses: { "200": { description: "Counts", content: jsonContent(TaskStats) }, ...errors(503) },
        },
      },
      "/seed/status": {
        get: {
          summary:
            "How far a running bulk load (the first start's demo data) is; seeding is null when none runs",
          responses: {
            "200": {
              description: "{ seeding: null | { state, count, rowsLoaded, phase, fraction, etaMs, ... } }",
            },
          },
        },
      },
      "/health": {
        get: {
          summary: "Status to anyone (ok, degraded, down); database and cache details to an admin",
          security: [{}, { bearer: [] }],
          responses: { "200": { description: "Up" }, "503": { description: "Database down" } },
        },
      },
    },
  });
}
