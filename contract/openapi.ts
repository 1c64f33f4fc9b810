// The OpenAPI document, generated from the zod schemas that validate requests and from the
// constants that name headers, so the published contract cannot drift from what the functions
// accept. functions/test/contract/openapi-conformance.test.ts checks real responses of every route
// (status, headers, body) against it.
import * as z from "zod";
import { createDocument, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject } from "zod-openapi";
import { AuditPage, AuditQuery, HistoryPage, HistoryQuery } from "./audit";
import { CACHE_OUTCOMES, REQUEST_HEADERS, RESPONSE_HEADERS, WAL_POSITION_PATTERN } from "./constants";
import { Facets, FacetsQuery } from "./facets";
import { BulkRequest, ExportRequest, ImportErrorBody, JobAnswer, JobPath } from "./jobs";
import { OPS_POSITION_CELLS, OPS_WINDOWS } from "./ops";
import {
  ConditionalGetHeaders,
  Counters,
  CreateTaskHeaders,
  CreateTaskInput,
  ErrorBody,
  Health,
  ListTasksQuery,
  Task,
  TaskPage,
  TaskPath,
  TaskStatsAnswer,
  UpdateTaskInput,
  VersionGuardHeaders,
} from "./schemas";
import { SeedStatus } from "./seed";
import { CreateViewInput, UpdateViewInput, View, ViewList, ViewPath } from "./views";

const jsonContent = (schema: z.ZodType) => ({ "application/json": { schema } });

const etagHeader = z
  .string()
  .regex(/^"\d+"$/)
  .meta({ description: 'The task\'s version as an ETag, e.g. "3"' });
/** Every HTTP response says what the database and the cache cost it. */
const timingHeaders = {
  [RESPONSE_HEADERS.serverTiming]: z
    .string()
    .meta({ description: "db;dur=<ms>, and cache;dur=<ms> when the cache was consulted" }),
};
/** Reads that consulted the cache say where the answer came from. */
const cacheHeaders = {
  ...timingHeaders,
  [RESPONSE_HEADERS.cache]: z
    .enum(CACHE_OUTCOMES)
    .optional()
    .meta({ description: "hit, miss, partial or bypass" }),
};

/** The caller's rate limit, on every answer of a limited route (absent with RATE_LIMITS=off). */
const rateLimitHeaders = {
  [RESPONSE_HEADERS.rateLimitPolicy]: z
    .string()
    .regex(/^"[a-z-]+";q=\d+;w=\d+$/)
    .optional()
    .meta({ description: 'The limit counted against: "read";q=3000;w=60 (quota per window of seconds)' }),
  [RESPONSE_HEADERS.rateLimit]: z
    .string()
    .regex(/^"[a-z-]+";r=\d+;t=\d+$/)
    .optional()
    .meta({ description: 'What is left of it: "read";r=2999;t=42 (requests remaining, seconds to reset)' }),
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Bad request: a parameter, header or cursor is not valid",
  401: "No valid bearer token: missing, expired, or not signed by a trusted issuer",
  403: "The caller's role may not do this, or the job or view is someone else's",
  404: "No such task, job or view",
  409: "Conflict: the Idempotency-Key was used with a different body",
  412: "Precondition failed: the task is at another version (its ETag says which)",
  413: "The body is too large",
  415: "The body is not JSON",
  422: "The body is JSON but not a valid task",
  429: "Over a rate limit (the actor's, or failed sign-ins from this address); retry after Retry-After seconds",
  503: "A service the request needs is unavailable; retry after Retry-After seconds",
};

/** The error answers of a route that needs a bearer token: `codes`, and 401 and 429, which any can give. */
const errors = (...codes: number[]): Record<string, ZodOpenApiResponseObject> =>
  Object.fromEntries(
    [...codes, 401, 429].map((code) => [
      String(code),
      {
        description: ERROR_DESCRIPTIONS[code] ?? "Error",
        content: jsonContent(ErrorBody),
        headers: z.object({
          ...timingHeaders,
          ...(code === 503 || code === 429
            ? { [RESPONSE_HEADERS.retryAfter]: z.string().regex(/^\d+$/) }
            : {}),
          ...(code === 412 ? { [RESPONSE_HEADERS.etag]: etagHeader.optional() } : {}),
        }),
      },
    ]),
  );

/** GET /ops (contract/ops.ts has the same shape as types, for the site). */
const ms = z.number().nonnegative().nullable();
const RouteWindow = z.object({
  requests: z.number().int().nonnegative(),
  rps: z.number().nonnegative(),
  errors4xx: z.number().int().nonnegative(),
  errors5xx: z.number().int().nonnegative(),
  errorRate: z.number().min(0).max(1),
  p50: ms,
  p95: ms,
  p99: ms,
});
const OpsSnapshot = z
  .object({
    at: z.string(),
    routes: z.array(
      z.object({
        route: z.string(),
        windows: z.object(Object.fromEntries(OPS_WINDOWS.map((minutes) => [`${minutes}m`, RouteWindow]))),
        spark: z.object({ rps: z.array(z.number()), p95: z.array(ms) }),
        cache: z.object({ hit: z.number(), miss: z.number(), partial: z.number(), bypass: z.number() }),
      }),
    ),
    cache: z.object({
      hitRatio: z.record(z.string(), z.number().min(0).max(1).nullable()),
      redis: z
        .object({
          usedBytes: z.number(),
          maxBytes: z.number(),
          policy: z.string(),
          evictedKeys: z.number(),
          keyspaceHits: z.number(),
          keyspaceMisses: z.number(),
        })
        .nullable(),
      lastWarm: z.object({ at: z.string(), tasks: z.number(), pages: z.number(), ms: z.number() }).nullable(),
    }),
    database: z.object({
      pool: z.object({
        total: z.number(),
        idle: z.number(),
        waiting: z.number(),
        waits15m: z.number(),
        waitMs15m: z.number(),
      }),
      queueDepth: z.number().int().nonnegative().nullable(),
      slowStatements: z
        .array(
          z.object({
            query: z.string(),
            calls: z.number(),
            meanMs: z.number(),
            totalMs: z.number(),
            rows: z.number(),
          }),
        )
        .nullable(),
    }),
    access: z.object({
      positions: z.array(z.number().int().nonnegative()).length(OPS_POSITION_CELLS),
      cellRows: z.number().int().positive(),
      cursorReads: z.number().int().nonnegative(),
      sorts: z.record(z.string(), z.number()),
      filters: z.record(z.string(), z.number()),
      hot: z.object({ tasks: z.number(), pages: z.number() }),
    }),
  })
  .meta({ id: "OpsSnapshot" });

/** Answers every route may carry, added to each one's own (see withEveryRouteHeaders). */
const everyAnswerHeaders = {
  ...rateLimitHeaders,
  [RESPONSE_HEADERS.readSource]: z
    .enum(["primary", "replica", "primary,replica"])
    .optional()
    .meta({ description: "With a read replica configured: where a read was answered" }),
};
const writeAnswerHeaders = {
  [RESPONSE_HEADERS.writeLsn]: z
    .string()
    .regex(WAL_POSITION_PATTERN)
    .optional()
    .meta({ description: "With a read replica configured: the WAL position of a successful write's commit" }),
};
const readRequestHeaders = z.object({
  [REQUEST_HEADERS.readAfterLsn]: z.string().regex(WAL_POSITION_PATTERN).optional().meta({
    description:
      "With a read replica configured: a write's X-Write-LSN; the read waits for the replica to replay that far, or reads the primary",
  }),
});

const METHODS = ["get", "put", "post", "patch", "delete"] as const;

/**
 * The headers the HTTP wrapper (functions/src/platform/http.ts) adds to every route, written into
 * each operation here rather than by hand in thirty: the rate limit on every answer, the replica's
 * headers on reads and writes, X-Read-After-LSN on every GET.
 */
function withEveryRouteHeaders(paths: ZodOpenApiPathsObject): ZodOpenApiPathsObject {
  for (const item of Object.values(paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      if (method === "get") {
        const own = operation.requestParams?.header;
        operation.requestParams = {
          ...operation.requestParams,
          header: own instanceof z.ZodObject ? own.extend(readRequestHeaders.shape) : readRequestHeaders,
        };
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!response || "$ref" in response) continue;
        const writes = method !== "get" && status.startsWith("2");
        const own = response.headers instanceof z.ZodObject ? response.headers.shape : {};
        response.headers = z.object({ ...own, ...everyAnswerHeaders, ...(writes ? writeAnswerHeaders : {}) });
      }
    }
  }
  return paths;
}

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
    paths: withEveryRouteHeaders({
      "/tasks": {
        get: {
          summary: "List tasks: keyset pages (cursor), position jumps (offset), sort, filters, search",
          requestParams: { query: ListTasksQuery },
          responses: {
            "200": { description: "A page", content: jsonContent(TaskPage), headers: z.object(cacheHeaders) },
            ...errors(400, 503),
          },
        },
        post: {
          summary: "Create a task; a repeated Idempotency-Key replays the first answer",
          requestParams: { header: CreateTaskHeaders },
          requestBody: { content: jsonContent(CreateTaskInput) },
          responses: {
            "201": {
              description: "Created (or, with Idempotent-Replayed, the first answer to this Idempotency-Key)",
              content: jsonContent(Task),
              headers: z.object({
                ...timingHeaders,
                [RESPONSE_HEADERS.location]: z.string().regex(/^\/tasks\/\d+$/),
                [RESPONSE_HEADERS.etag]: etagHeader,
                [RESPONSE_HEADERS.idempotentReplayed]: z.literal("true").optional(),
              }),
            },
            ...errors(400, 409, 413, 415, 422, 503),
          },
        },
      },
      "/tasks/{id}": {
        get: {
          summary: "Get a task; its version is the ETag, and If-None-Match with it answers 304",
          requestParams: { path: TaskPath, header: ConditionalGetHeaders },
          responses: {
            "200": {
              description: "The task",
              content: jsonContent(Task),
              headers: z.object({ ...cacheHeaders, [RESPONSE_HEADERS.etag]: etagHeader }),
            },
            "304": {
              description: "Not modified: If-None-Match names the current version",
              headers: z.object({ ...cacheHeaders, [RESPONSE_HEADERS.etag]: etagHeader }),
            },
            ...errors(400, 404, 503),
          },
        },
        patch: {
          summary: "Update fields of a task; If-Match or body.version guards against stale writes",
          requestParams: { path: TaskPath, header: VersionGuardHeaders },
          requestBody: { content: jsonContent(UpdateTaskInput) },
          responses: {
            "200": {
              description: "The updated task",
              content: jsonContent(Task),
              headers: z.object({ ...timingHeaders, [RESPONSE_HEADERS.etag]: etagHeader }),
            },
            ...errors(400, 404, 412, 413, 415, 422, 503),
          },
        },
        delete: {
          summary: "Delete a task; If-Match guards against deleting a version the client has not seen",
          requestParams: { path: TaskPath, header: VersionGuardHeaders },
          responses: {
            "204": { description: "Deleted", headers: z.object(timingHeaders) },
            ...errors(400, 404, 412, 503),
          },
        },
      },
      "/tasks/bulk": {
        post: {
          summary:
            "Change or delete every selected task (filter, ids, except) as a background job; editor (delete too)",
          requestBody: { content: jsonContent(BulkRequest) },
          responses: {
            "202": {
              description: "The job, queued",
              content: jsonContent(JobAnswer),
              headers: z.object(timingHeaders),
            },
            ...errors(400, 413, 415, 422, 503),
          },
        },
      },
      "/tasks/export": {
        post: {
          summary:
            "Write every task of a view (filters, sort, search) to a CSV or NDJSON file, as a job; viewer",
          requestBody: { content: jsonContent(ExportRequest) },
          responses: {
            "202": {
              description: "The job, queued",
              content: jsonContent(JobAnswer),
              headers: z.object(timingHeaders),
            },
            ...errors(400, 413, 415, 422, 503),
          },
        },
      },
      "/tasks/import": {
        post: {
          summary:
            "Create tasks from a CSV (header row, the export's columns; up to 10 MB): all rows or none; editor",
          requestBody: {
            content: {
              "text/csv": {
                schema: z
                  .string()
                  .meta({ description: "CSV with a header row naming export columns (title required)" }),
              },
            },
          },
          responses: {
            "202": {
              description: "Every row is valid: the job that creates them all in one transaction",
              content: jsonContent(JobAnswer),
              headers: z.object(timingHeaders),
            },
            "422": {
              description: "Nothing imported: every problem by line and column",
              content: jsonContent(ImportErrorBody),
              headers: z.object(timingHeaders),
            },
            ...errors(413, 415, 503),
          },
        },
      },
      "/tasks/facets": {
        get: {
          summary:
            "Counts by status, priority, assignee (top 20) and tag (top 20) for a filter; each facet says if exact",
          requestParams: { query: FacetsQuery },
          responses: {
            "200": {
              description: "The facets",
              content: jsonContent(Facets),
              headers: z.object(timingHeaders),
            },
            ...errors(400, 503),
          },
        },
      },
      "/jobs/{id}": {
        get: {
          summary: "A job's state and progress (its owner, or an admin)",
          requestParams: { path: JobPath },
          responses: {
            "200": {
              description: "The job",
              content: jsonContent(JobAnswer),
              headers: z.object(timingHeaders),
            },
            ...errors(400, 403, 404, 503),
          },
        },
        delete: {
          summary:
            "Cancel a job (its owner, or an admin): chunks already committed stay; no further chunk runs",
          requestParams: { path: JobPath },
          responses: {
            "200": {
              description: "The job, cancelled (or as it ended, if it had finished)",
              content: jsonContent(JobAnswer),
              headers: z.object(timingHeaders),
            },
            ...errors(400, 403, 404, 503),
          },
        },
      },
      "/jobs/{id}/download": {
        get: {
          summary: "A completed export's file (its owner, or an admin)",
          requestParams: { path: JobPath },
          responses: {
            "200": {
              description: "The file",
              content: {
                "text/csv": { schema: z.string() },
                "application/x-ndjson": { schema: z.string() },
              },
              headers: z.object({ ...timingHeaders, "Content-Disposition": z.string() }),
            },
            ...errors(400, 403, 404, 409, 503),
          },
        },
      },
      "/views": {
        get: {
          summary: "The caller's saved views, by name",
          responses: {
            "200": { description: "Views", content: jsonContent(ViewList), headers: z.object(timingHeaders) },
            ...errors(503),
          },
        },
        post: {
          summary: "Save a view (filters, sort, search, columns); shared views open for anyone with the link",
          requestBody: { content: jsonContent(CreateViewInput) },
          responses: {
            "201": {
              description: "Saved",
              content: jsonContent(View),
              headers: z.object({
                ...timingHeaders,
                [RESPONSE_HEADERS.location]: z.string().regex(/^\/views\/[0-9a-f-]{36}$/),
              }),
            },
            ...errors(400, 409, 413, 415, 422, 503),
          },
        },
      },
      "/views/{id}": {
        get: {
          summary: "A view: the caller's own, or a shared one (any signed-in user with its id)",
          requestParams: { path: ViewPath },
          responses: {
            "200": { description: "The view", content: jsonContent(View), headers: z.object(timingHeaders) },
            ...errors(400, 404, 503),
          },
        },
        patch: {
          summary: "Change a view (its owner, or an admin)",
          requestParams: { path: ViewPath },
          requestBody: { content: jsonContent(UpdateViewInput) },
          responses: {
            "200": { description: "The view", content: jsonContent(View), headers: z.object(timingHeaders) },
            ...errors(400, 403, 404, 409, 413, 415, 422, 503),
          },
        },
        delete: {
          summary: "Delete a view (its owner, or an admin)",
          requestParams: { path: ViewPath },
          responses: {
            "204": { description: "Deleted", headers: z.object(timingHeaders) },
            ...errors(400, 403, 404, 503),
          },
        },
      },
      "/tasks/{id}/history": {
        get: {
          summary: "Who changed a task, newest first (viewer and up); kept after the task is deleted",
          requestParams: { path: TaskPath, query: HistoryQuery },
          responses: {
            "200": { description: "A page of history", content: jsonContent(HistoryPage) },
            ...errors(400, 503),
          },
        },
      },
      "/audit": {
        get: {
          summary: "Every recorded change, newest first (admin); filters actor, action, taskId, since, until",
          requestParams: { query: AuditQuery },
          responses: {
            "200": { description: "A page of audit entries", content: jsonContent(AuditPage) },
            ...errors(400, 503),
          },
        },
      },
      "/seed/status": {
        get: {
          summary:
            "How far a running bulk load (the first start's demo data) is; seeding is null when none runs",
          responses: {
            "200": {
              description: "The running load, or null",
              content: jsonContent(SeedStatus),
              headers: z.object({ ...timingHeaders, "Cache-Control": z.literal("no-store") }),
            },
          },
        },
      },
      "/tasks/stats": {
        get: {
          summary: "Exact counts: the total, and by status and priority for an admin",
          responses: {
            "200": {
              description: "Counts",
              content: jsonContent(TaskStatsAnswer),
              headers: z.object(cacheHeaders),
            },
            ...errors(503),
          },
        },
      },
      "/tasks/activity": {
        get: {
          summary: "Live counters: tasks created, updated and deleted (totals and by status); needs Redis",
          responses: {
            "200": {
              description: "Counters",
              content: jsonContent(Counters),
              headers: z.object({ ...timingHeaders, "Cache-Control": z.literal("no-store") }),
            },
            ...errors(503),
          },
        },
      },
      "/health": {
        get: {
          summary:
            "Status to anyone (degraded: Redis away, every endpoint still answers); database and cache details to an admin",
          security: [{}, { bearer: [] }],
          responses: {
            "200": { description: "Up (ok or degraded)", content: jsonContent(Health) },
            "503": { description: "The database does not answer", content: jsonContent(Health) },
          },
        },
      },
      "/ops": {
        get: {
          summary:
            "Operations figures (admin): per route req/s, error rates and p50/p95/p99 over 1/5/15 minutes with sparklines, cache hit ratios, Redis memory and evictions, pool waits, job queue depth, slow statements, access patterns",
          responses: {
            "200": {
              description: "The live figures of the last 15 minutes",
              content: jsonContent(OpsSnapshot),
              headers: z.object({ ...timingHeaders, "Cache-Control": z.literal("no-store") }),
            },
            ...errors(503),
          },
        },
      },
      "/ping": {
        get: {
          summary: "No I/O at all: the runtime's ceiling in benchmarks",
          security: [{}],
          responses: {
            "200": { description: "Up", content: jsonContent(z.object({ ok: z.literal(true) })) },
          },
        },
      },
      "/openapi.json": {
        get: {
          summary: "This document",
          responses: {
            "200": { description: "The OpenAPI document", content: jsonContent(z.looseObject({})) },
            ...errors(),
          },
        },
      },
    }),
  });
}
