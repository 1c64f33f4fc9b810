// Background jobs over many tasks (issue 16): bulk edits, exports and imports. A job belongs to the
// actor who started it (an admin may see and cancel anyone's); it runs in keyset chunks on the
// PostgreSQL job queue and reports progress here and over the WebSocket (contract/live.ts).
import * as z from "zod";
import {
  EXPORT_COLUMNS,
  EXPORT_FORMATS,
  JOB_KINDS,
  JOB_STATES,
  MAX_ASSIGNEE,
  MAX_TAG,
  MAX_TAGS,
} from "./constants";
import { isStorableText, TaskPriority, TaskStatus } from "./schemas";
import { Selection, TaskFilter } from "./selection";

const storable = (schema: z.ZodString) =>
  schema.refine(isStorableText, "must not contain NUL characters or unpaired UTF-16 surrogates");
const tag = storable(z.string().trim().min(1).max(MAX_TAG));
const tagList = z
  .array(tag)
  .min(1)
  .max(MAX_TAGS)
  .transform((list) => [...new Set(list)]);

/** What to do to every selected task; `delete` stands alone. */
export const BulkAction = z
  .strictObject({
    set: z
      .strictObject({
        status: TaskStatus.optional(),
        priority: TaskPriority.optional(),
        assignee: storable(z.string().trim().min(1).max(MAX_ASSIGNEE)).nullable().optional(),
      })
      .refine((set) => Object.keys(set).length > 0, { message: "set needs at least one field" })
      .optional(),
    addTags: tagList.optional(),
    removeTags: tagList.optional(),
    delete: z.literal(true).optional(),
  })
  .refine((action) => Object.keys(action).length > 0, { message: "the action does nothing" })
  .refine((action) => !action.delete || Object.keys(action).length === 1, {
    message: "delete cannot be combined with other changes",
    path: ["delete"],
  })
  .meta({ id: "BulkAction" });
export type BulkActionInput = z.input<typeof BulkAction>;
export type BulkAction = z.output<typeof BulkAction>;

/** POST /tasks/bulk */
export const BulkRequest = z
  .strictObject({ selection: Selection, action: BulkAction })
  .meta({ id: "BulkRequest" });
export type BulkRequestInput = z.input<typeof BulkRequest>;
export type BulkRequest = z.output<typeof BulkRequest>;

export const ExportFormat = z.enum(EXPORT_FORMATS);
/** POST /tasks/export: the view (filters, sort, search) to write out, every matching row. */
export const ExportRequest = z
  .strictObject({ filter: TaskFilter.default({}), format: ExportFormat.default("csv") })
  .meta({ id: "ExportRequest" });
export type ExportRequestInput = z.input<typeof ExportRequest>;
export type ExportRequest = z.output<typeof ExportRequest>;

export const JobState = z.enum(JOB_STATES);
export const JobKind = z.enum(JOB_KINDS);

export const Job = z
  .object({
    id: z.uuid(),
    kind: JobKind,
    state: JobState,
    /** Tasks the job will go through (fixed when it starts; an estimate of 0 until then). */
    total: z.number().int(),
    /** Tasks gone through so far: changed, deleted, exported or imported, or skipped. */
    done: z.number().int(),
    /** Of `done`: tasks left alone because a person changed them after the job started. */
    skipped: z.number().int(),
    /** Why it failed (failed), or why its last attempt did (queued for a retry). */
    error: z.string().nullable(),
    attempts: z.number().int(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    /** Export only: `csv` or `ndjson`. */
    format: ExportFormat.nullable(),
    /** Export only, once completed: where to GET the file (with the same bearer token). */
    download: z.string().nullable(),
  })
  .meta({ id: "Job" });
export type Job = z.infer<typeof Job>;

/** 202 from POST /tasks/bulk, /tasks/export, /tasks/import; 200 from GET and DELETE /jobs/{id}. */
export const JobAnswer = z.object({ job: Job }).meta({ id: "JobAnswer" });
export type JobAnswer = z.infer<typeof JobAnswer>;

export const JobPath = z.object({ id: z.uuid({ message: "id must be a job id (a UUID)" }) });

/** The CSV columns an import understands: the export's; id, createdAt, updatedAt and version are ignored. */
export const ImportColumn = z.enum(EXPORT_COLUMNS);

/** One problem of an import: the 1-based line of the file (the header is line 1) and the column. */
export const ImportProblem = z
  .object({
    /** "line 3, status": the ErrorBody's path, for clients that show details generically. */
    path: z.string(),
    message: z.string(),
    line: z.number().int(),
    column: z.string().nullable(),
  })
  .meta({ id: "ImportProblem" });
export type ImportProblem = z.infer<typeof ImportProblem>;

/** 422 from POST /tasks/import: nothing was imported; every problem found is listed (up to 1,000). */
export const ImportErrorBody = z
  .object({
    error: z.object({
      code: z.literal("invalid_import"),
      message: z.string(),
      details: z.array(ImportProblem),
    }),
  })
  .meta({ id: "ImportError" });
export type ImportErrorBody = z.infer<typeof ImportErrorBody>;

/** Job progress over the WebSocket, sent to the job's owner's connections. */
export interface JobProgressMessage {
  type: "job";
  job: Job;
}
