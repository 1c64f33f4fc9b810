// The one definition of the API's shapes: handlers validate with these, the OpenAPI document is
// generated from them, and the web grid imports their types. Limits mirror the CHECK constraints
// in infra/migrations so that a request the schema accepts can never violate the table.
import * as z from "zod";

export const TASK_STATUSES = ["todo", "in_progress", "blocked", "done"] as const;
export const TASK_PRIORITIES = ["low", "medium", "high", "urgent"] as const;
export const SORT_KEYS = ["createdAt", "updatedAt", "dueAt", "priority", "title", "status"] as const;

export const MAX_TITLE = 200;
export const MAX_DESCRIPTION = 10_000;
export const MAX_TAGS = 10;
export const MAX_TAG = 40;
export const MAX_ASSIGNEE = 100;
export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;
/** Positions are row numbers; 10^9 is far beyond any table this system serves and keeps SQL in int8. */
export const MAX_POSITION = 1_000_000_000;
export const MAX_QUERY = 200;

export const TaskStatus = z.enum(TASK_STATUSES);
export const TaskPriority = z.enum(TASK_PRIORITIES);
export const SortKey = z.enum(SORT_KEYS);

const isoInstant = z.iso.datetime({ offset: true }).meta({ description: "RFC 3339 instant" });
const title = z.string().trim().min(1, "title must not be blank").max(MAX_TITLE);
const description = z.string().max(MAX_DESCRIPTION);
const assignee = z.string().trim().min(1).max(MAX_ASSIGNEE).nullable();
const tag = z.string().trim().min(1).max(MAX_TAG);
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
    version: z.number().int().positive().optional(),
  })
  .refine((patch) => Object.keys(patch).some((key) => key !== "version"), {
    message: "at least one field to change is required",
  })
  .meta({ id: "UpdateTaskInput" });
export type UpdateTaskInput = z.infer<typeof UpdateTaskInput>;

const MAX_BIGINT = 9_223_372_036_854_775_807n;
export const TaskId = z
  .string()
  .regex(/^[1-9]\d{0,18}$/, "id must be a positive integer")
  .refine((id) => !/^\d+$/.test(id) || BigInt(id) <= MAX_BIGINT, "id is out of range");
/** Path parameters of /tasks/{id}, validated as an object so errors name the field. */
export const TaskPath = z.object({ id: TaskId });

const csvOf = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((value) => value.split(",").filter((part) => part !== ""))
    .pipe(z.array(item).min(1).max(8));

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

export const ListTasksQuery = z
  .strictObject({
    limit: integerParam(1, MAX_PAGE).default(DEFAULT_PAGE),
    cursor: z.string().min(1).max(2_000).optional(),
    offset: integerParam(0, MAX_POSITION).optional(),
    sort: SortParam.default({ key: "createdAt", direction: "desc" }),
    status: csvOf(TaskStatus).optional(),
    priority: csvOf(TaskPriority).optional(),
    assignee: z.string().trim().min(1).max(MAX_ASSIGNEE).optional(),
    tag: tag.optional(),
    dueAfter: isoInstant.optional(),
    dueBefore: isoInstant.optional(),
    q: z.string().trim().min(1).max(MAX_QUERY).optional(),
  })
  .refine((query) => !(query.cursor !== undefined && query.offset !== undefined), {
    message: "use either cursor or offset, not both",
    path: ["offset"],
  })
  .meta({ id: "ListTasksQuery" });
export type ListTasksQuery = z.infer<typeof ListTasksQuery>;
/** The one list of filters: cursors, cache keys, counts and the SQL all go by it. */
export const LIST_FILTER_KEYS = [
  "status",
  "priority",
  "assignee",
  "tag",
  "dueAfter",
  "dueBefore",
  "q",
] as const;
export type ListFilterKey = (typeof LIST_FILTER_KEYS)[number];
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
