// Saved views (issue 16): a named grid state (filters, sort, search as the list query's strings,
// and the columns' order, widths and visibility), per actor. A shared view is readable by anyone
// signed in (viewer and up) who has its id, so a link to it opens the same grid.
import * as z from "zod";
import { MAX_COLUMN_WIDTH, MAX_VIEW_NAME, MIN_COLUMN_WIDTH, VIEW_COLUMNS } from "./constants";
import { isStorableText } from "./schemas";
import { TaskFilter } from "./selection";

export const ViewColumnKey = z.enum(VIEW_COLUMNS);

/** One column, in display order: hidden columns keep their place and width. */
export const ViewColumn = z
  .strictObject({
    key: ViewColumnKey,
    width: z.number().int().min(MIN_COLUMN_WIDTH).max(MAX_COLUMN_WIDTH).optional(),
    hidden: z.boolean().optional(),
  })
  .meta({ id: "ViewColumn" });
export type ViewColumn = z.infer<typeof ViewColumn>;

const columns = z
  .array(ViewColumn)
  .max(VIEW_COLUMNS.length)
  .refine((list) => new Set(list.map((column) => column.key)).size === list.length, {
    message: "each column at most once",
  });

/**
 * The list query as the URL holds it (strings); stored as sent, so a view reopens exactly, and
 * validated with the same schema as GET /tasks.
 */
export const ViewQuery = z
  .record(z.string(), z.string())
  .superRefine((query, context) => {
    const parsed = TaskFilter.safeParse(query);
    if (!parsed.success)
      for (const issue of parsed.error.issues) context.addIssue({ ...issue, code: "custom" });
  })
  .meta({
    id: "ViewQuery",
    description:
      "GET /tasks parameters as strings: status, priority, assignee, tag, dueAfter, dueBefore, q, sort",
  });

const name = z
  .string()
  .trim()
  .min(1, "name must not be blank")
  .max(MAX_VIEW_NAME)
  .refine(isStorableText, "must not contain NUL characters or unpaired UTF-16 surrogates");

export const View = z
  .object({
    id: z.uuid(),
    name: z.string(),
    owner: z.object({ id: z.string(), name: z.string() }),
    shared: z.boolean(),
    query: z.record(z.string(), z.string()),
    columns: z.array(ViewColumn),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: "View" });
export type View = z.infer<typeof View>;

export const ViewList = z
  .object({
    /** The caller's own views, by name. */
    items: z.array(View),
  })
  .meta({ id: "ViewList" });
export type ViewList = z.infer<typeof ViewList>;

export const CreateViewInput = z
  .strictObject({
    name,
    query: ViewQuery.default({}),
    columns: columns.default([]),
    shared: z.boolean().default(false),
  })
  .meta({ id: "CreateViewInput" });
export type CreateViewInput = z.input<typeof CreateViewInput>;

export const UpdateViewInput = z
  .strictObject({
    name: name.optional(),
    query: ViewQuery.optional(),
    columns: columns.optional(),
    shared: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: "at least one field to change is required" })
  .meta({ id: "UpdateViewInput" });
export type UpdateViewInput = z.input<typeof UpdateViewInput>;

export const ViewPath = z.object({ id: z.uuid({ message: "id must be a view id (a UUID)" }) });
