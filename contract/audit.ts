// The shapes of the audit API: GET /tasks/{id}/history and GET /audit. Validated at the boundary
// and published in the OpenAPI document from these same schemas.
import * as z from "zod";
import { TaskId } from "./schemas";

export const AUDIT_ACTIONS = [
  "task.create",
  "task.update",
  "task.delete",
  "tasks.seed",
  "tasks.bulk",
  "tasks.import",
  "view.create",
  "view.update",
  "view.delete",
] as const;
export const AUDIT_ROLES = ["viewer", "editor", "admin", "system"] as const;
export const MAX_AUDIT_PAGE = 200;
export const DEFAULT_AUDIT_PAGE = 50;

const instant = z.iso.datetime({ offset: true }).meta({ description: "RFC 3339 instant" });
const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_AUDIT_PAGE)
  .default(DEFAULT_AUDIT_PAGE)
  .meta({ description: `Entries per page, 1-${MAX_AUDIT_PAGE}` });
const cursor = z.string().min(1).max(200).meta({ description: "nextCursor of the previous page" });

export const AuditAction = z.enum(AUDIT_ACTIONS);

export const FieldChange = z.object({ from: z.unknown(), to: z.unknown() });

/** What a viewer sees of an entry: who did what to which fields, and when. */
export const HistoryEntry = z
  .object({
    id: z.string().regex(/^\d+$/),
    at: z.string(),
    actor: z.object({ id: z.string(), name: z.string(), role: z.enum(AUDIT_ROLES) }),
    action: AuditAction,
    taskId: z.string().nullable(),
    /** { field: { from, to } } for a task write; a summary's facts (counts, mode) for seeds and bulk jobs. */
    changes: z.record(z.string(), z.unknown()),
    version: z.number().int().nullable(),
  })
  .meta({ id: "HistoryEntry" });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** What an admin sees: the entry plus where the request came from. */
export const AuditEntry = HistoryEntry.extend({
  requestId: z.string().nullable(),
  clientIp: z.string().nullable(),
  userAgent: z.string().nullable(),
}).meta({ id: "AuditEntry" });
export type AuditEntry = z.infer<typeof AuditEntry>;

export const HistoryPage = z
  .object({ items: z.array(HistoryEntry), nextCursor: z.string().nullable() })
  .meta({ id: "HistoryPage" });
export type HistoryPage = z.infer<typeof HistoryPage>;

export const AuditPage = z
  .object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() })
  .meta({ id: "AuditPage" });
export type AuditPage = z.infer<typeof AuditPage>;

export const HistoryQuery = z.strictObject({ limit, cursor: cursor.optional() });
export type HistoryQuery = z.output<typeof HistoryQuery>;

export const AuditQuery = z
  .strictObject({
    limit,
    cursor: cursor.optional(),
    actor: z.string().trim().min(1).max(200).optional().meta({ description: "An actor id (token subject)" }),
    action: AuditAction.optional(),
    taskId: TaskId.optional(),
    since: instant.optional().meta({ description: "Entries at or after this instant" }),
    until: instant.optional().meta({ description: "Entries before this instant" }),
  })
  .refine((q) => !q.since || !q.until || Date.parse(q.since) < Date.parse(q.until), {
    message: "since must be before until",
    path: ["until"],
  });
export type AuditQuery = z.output<typeof AuditQuery>;
