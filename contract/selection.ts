// A filtered view of the tasks as a request body carries it: the list query's parameters (the URL's
// own strings: `status: "todo,done"`, `sort: "-createdAt"`, `q`), shared by bulk selections,
// exports, saved views and facet requests, so "select all 12,000 matching" is the grid's URL, not
// 12,000 loaded rows.
import * as z from "zod";
import { MAX_SELECTION_IDS } from "./constants";
import { listFilterFields, SortParam, TaskId } from "./schemas";

/** `{ status?, priority?, assignee?, tag?, dueAfter?, dueBefore?, q?, sort? }`: strings as in the URL. */
export const TaskFilter = z
  .strictObject({ ...listFilterFields, sort: SortParam.optional() })
  .meta({ id: "TaskFilter", description: "The list query's parameters (GET /tasks), as strings" });
/** What a client sends (the URL's strings). */
export type TaskFilterInput = z.input<typeof TaskFilter>;
/** What the functions work with (sets as arrays, sort as key and direction). */
export type TaskFilter = z.output<typeof TaskFilter>;

const idList = z.array(TaskId).max(MAX_SELECTION_IDS);

/**
 * Which tasks: those matching `filter`; with `ids`, only those of them (a hand-picked selection);
 * minus `except` ("select all N matching" with a few unticked).
 */
export const Selection = z
  .strictObject({
    filter: TaskFilter.default({}),
    ids: idList.min(1).optional(),
    except: idList.optional(),
  })
  .meta({ id: "Selection" });
export type SelectionInput = z.input<typeof Selection>;
export type Selection = z.output<typeof Selection>;
