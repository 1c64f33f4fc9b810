// The API's shapes as zod schemas, built from constants.ts: handlers validate with these, the
// OpenAPI document (functions/src/platform/openapi.ts) is generated from them, and the web imports
// their types (never the validators). Request headers a handler reads are here too, so the document
// names every one of them.
import * as z from "zod";
import {
  DEFAULT_PAGE,
  IDEMPOTENCY_KEY_PATTERN,
  isSearchableTerm,
  LIST_FILTER_KEYS,
  type ListFilterKey,
  MAX_ASSIGNEE,
  MAX_CURSOR,
  MAX_DESCRIPTION,
  MAX_PAGE,
  MAX_POSITION,
  MAX_QUERY,
  MAX_SET_FILTER_VALUES,
  MAX_TAG,
  MAX_TAGS,
  MAX_TASK_ID,
  MAX_TITLE,
  MAX_VERSION,
  MIN_SEARCH_RUN,
  REQUEST_HEADERS,
  SORT_KEYS,
  TASK_ID_PATTERN,
  TASK_PRIORITIES,
  TASK_STATUSES,
  VERSION_TAG_PATTERN,
} from "./constants";

export const TaskStatus = z.enum(TASK_STATUSES);
export const TaskPriority = z.enum(TASK_PRIORITIES);
export const SortKey = z.enum(SORT_KEYS);

/**
 * PostgreSQL's text refuses NUL outright (a 500 before this check), and a lone UTF-16 surrogate has
 * no UTF-8 form: the driver would silently store U+FFFD instead of what was sent.
 */
export function isStorableText(text: string): boolean {
  return (
    !text.includes("\u0000") &&
    !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)
  );
}
const STORABLE_TEXT = "must not contain NUL characters or unpaired UTF-16 surrogates";
const pgText = () => z.string().refine(isStorableText, STORABLE_TEXT);

/** The instants PostgreSQL can store and this API can render as four-digit years in UTC. */
export const MIN_INSTANT_MS = Date.parse("0001-01-01T00:00:00Z");
export const MAX_INSTANT_MS = Date.parse("9999-12-31T23:59:59.999Z");
// PostgreSQL refuses a UTC offset of 16 hours or more (22009) and keeps microseconds: a seventh
// fractional digit would be rounded, possibly into year 10000.
const OFFSET_AND_PRECISION = /^[^.]*?(\.\d{1,6})?(Z|[+-](0\d|1[0-5]):[0-5]\d)$/;

/** Whether an RFC 3339 instant (already shape-checked) is one PostgreSQL stores and renders exactly. */
export function isStorableInstant(value: string): boolean {
  if (!OFFSET_AND_PRECISION.test(value)) return false;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;
}

const isoInstant = z.iso
  .datetime({ offset: true })
  .refine(
    isStorableInstant,
    "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z, with a UTC offset under 16 hours and at most 6 fractional digits",
  )
  .meta({ description: "RFC 3339 instant between years 1 and 9999 in UTC" });
const title = pgText().trim().min(1, "title must not be blank").max(MAX_TITLE);
const description = pgText().max(MAX_DESCRIPTION);
const assignee = pgText().trim().min(1).max(MAX_ASSIGNEE).nullable();
const tag = pgText().trim().min(1).max(MAX_TAG);
const tags = z
  .array(tag)
  .max(MAX_TAGS)
  .transform((list) => [...new Set(list)]);

export const Task = z
  .object({
    id: z.string().regex(/^\d+$/),
    title: z.string(),
    description: z.string(),
    status: TaskStatus,
    priority: TaskPriority,
    assignee: z.string().nullable(),
    tags: z.array(z.string()),
    dueAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: "Task" });
export type Task = z.infer<typeof Task>;
export const CreateTaskInput = z
  .strictObject({
    title,
    description: description.default(""),
    status: TaskStatus.default("todo"),
    priority: TaskPriority.default("medium"),
    assignee: assignee.default(null),
    tags: tags.default([]),
    dueAt: isoInstant.nullable().default(null),
    expiresAt: isoInstant.nullable().default(null),
  })
  .meta({ id: "CreateTaskInput" });
export type CreateTaskInput = z.infer<typeof CreateTaskInput>;

export const UpdateTaskInput = z
  .strictObject({
    title: title.optional(),
    description: description.optional(),
    status: TaskStatus.optional(),
    priority: TaskPriority.optional(),
    assignee: assignee.optional(),
    tags: tags.optional(),
    dueAt: isoInstant.nullable().optional(),
    expiresAt: isoInstant.nullable().optional(),
    /** Alternative to If-Match for clients that cannot set headers. */
    version: z.number().int().positive().max(MAX_VERSION).optional(),
  })
  .refine((patch) => Object.keys(patch).some((key) => key !== "version"), {
    message: "at least one field to change is required",
  })
  .meta({ id: "UpdateTaskInput" });
export type UpdateTaskInput = z.infer<typeof UpdateTaskInput>;

export const TaskId = z
  .string()
  .regex(TASK_ID_PATTERN, "id must be a positive integer")
  .refine((id) => !/^\d+$/.test(id) || BigInt(id) <= MAX_TASK_ID, "id is out of range");
/** Path parameters of /tasks/{id}, validated as an object so errors name the field. */
export const TaskPath = z.object({ id: TaskId });

const csvOf = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((value) => value.split(",").filter((part) => part !== ""))
    .pipe(z.array(item).min(1).max(MAX_SET_FILTER_VALUES));

const integerParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, "must be a non-negative integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const SortParam = z
  .string()
  .regex(/^-?[A-Za-z]+$/, "must be a sort key, optionally prefixed with -")
  .transform((value) => ({
    key: value.replace(/^-/, ""),
    direction: value.startsWith("-") ? ("desc" as const) : ("asc" as const),
  }))
  .pipe(z.object({ key: SortKey, direction: z.enum(["asc", "desc"]) }));

/**
 * The list query's filter parameters (and sort), as the URL carries them: the same fields travel in
 * bulk selections, exports, saved views and facet requests (contract/jobs.ts, views.ts, facets.ts).
 */
export const listFilterFields = {
  status: csvOf(TaskStatus).optional(),
  priority: csvOf(TaskPriority).optional(),
  assignee: pgText().trim().min(1).max(MAX_ASSIGNEE).optional(),
  tag: tag.optional(),
  dueAfter: isoInstant.optional(),
  dueBefore: isoInstant.optional(),
  q: pgText()
    .trim()
    .min(1)
    .max(MAX_QUERY)
    .refine(
      (q) => isSearchableTerm(q),
      `must contain at least ${MIN_SEARCH_RUN} letters or digits in a row (shorter terms cannot use the search index)`,
    )
    .optional(),
};

export const ListTasksQuery = z
  .strictObject({
    limit: integerParam(1, MAX_PAGE).default(DEFAULT_PAGE),
    cursor: z.string().min(1).max(MAX_CURSOR).optional(),
    offset: integerParam(0, MAX_POSITION).optional(),
    sort: SortParam.default({ key: "createdAt", direction: "desc" }),
    ...listFilterFields,
  })
  .refine((query) => !(query.cursor !== undefined && query.offset !== undefined), {
    message: "use either cursor or offset, not both",
    path: ["offset"],
  })
  .meta({ id: "ListTasksQuery" });
export type ListTasksQuery = z.infer<typeof ListTasksQuery>;

export type ListFilters = Pick<ListTasksQuery, ListFilterKey>;

/** The filters of a list request, and nothing else. */
export function pickFilters(request: ListFilters): ListFilters {
  const filters: Record<string, unknown> = {};
  for (const key of LIST_FILTER_KEYS) if (request[key] !== undefined) filters[key] = request[key];
  return filters as ListFilters;
}
export type SortSpec = ListTasksQuery["sort"];

export const Total = z.object({ value: z.number().int(), exact: z.boolean() });
export type Total = z.infer<typeof Total>;

export const TaskPage = z
  .object({
    items: z.array(Task),
    nextCursor: z.string().nullable(),
    prevCursor: z.string().nullable(),
    total: Total,
    /** Position of the first item in the ordering, when the request asked for a position. */
    offset: z.number().int().nullable(),
  })
  .meta({ id: "TaskPage" });
export type TaskPage = z.infer<typeof TaskPage>;

export const TaskStats = z
  .object({
    total: z.number().int(),
    byStatus: z.record(TaskStatus, z.number().int()),
    byPriority: z.record(TaskPriority, z.number().int()),
  })
  .meta({ id: "TaskStats" });
export type TaskStats = z.infer<typeof TaskStats>;

/** What GET /tasks/stats answers: the breakdown is an admin's; viewers and editors get the total. */
export const TaskStatsAnswer = z
  .object({
    total: z.number().int(),
    byStatus: z.record(TaskStatus, z.number().int()).optional(),
    byPriority: z.record(TaskPriority, z.number().int()).optional(),
  })
  .meta({ id: "TaskStatsAnswer" });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });
export type ErrorBody = z.infer<typeof ErrorBody>;

// ---------------------------------------------------------------------------------------------
// Request headers (names in REQUEST_HEADERS; values validated here, documented from here)

/** Idempotency-Key on POST /tasks: a repeat with the same body replays the first answer (201). */
export const IdempotencyKey = z
  .string()
  .regex(IDEMPOTENCY_KEY_PATTERN, "must be 1-200 visible ASCII characters")
  .meta({
    description:
      "1-200 visible ASCII characters. A repeat with the same body answers the first result again " +
      "(Idempotent-Replayed: true); with a different body, 409.",
  });

/** If-Match / If-None-Match: a version ETag ("3"), W/"3" or a bare 3; If-Match also takes *. */
export const VersionTag = z
  .string()
  .regex(VERSION_TAG_PATTERN, 'must be a version ETag such as "3"')
  .meta({ description: 'A task version as an ETag, e.g. "3" (W/"3" and 3 are accepted)' });

export const CreateTaskHeaders = z.object({ [REQUEST_HEADERS.idempotencyKey]: IdempotencyKey.optional() });
export const VersionGuardHeaders = z.object({
  [REQUEST_HEADERS.ifMatch]: z.union([VersionTag, z.literal("*")]).optional(),
});
export const ConditionalGetHeaders = z.object({ [REQUEST_HEADERS.ifNoneMatch]: VersionTag.optional() });

// ---------------------------------------------------------------------------------------------
// Other responses

export const StatusCounts = z.record(TaskStatus, z.number().int());
export const Counters = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    deleted: z.number().int(),
    byStatus: z.object({ created: StatusCounts, updated: StatusCounts, deleted: StatusCounts }),
  })
  .meta({ id: "Counters" });

export const Health = z
  .object({
    /** stuck: the database answers but the task table cannot be read (a session holds a lock). */
    status: z.enum(["ok", "degraded", "down", "stuck"]),
    /** Admins only: anyone else gets the status alone. */
    db: z.object({ ok: z.boolean(), state: z.enum(["ok", "down", "stuck"]), ms: z.number() }).optional(),
    cache: z.looseObject({ state: z.enum(["ok", "degraded", "disabled"]) }).optional(),
  })
  .meta({ id: "Health" });
