// How a list page's ids are found, and the one statement that reads the page: the plans a page can
// take and the choice between them. Pure SQL building (no I/O), like query.ts, so the plans are
// compared and measured by bounded-plans.test.ts without the repository around them.
import type { ListFilters, SortSpec, Total } from "#contract/schemas";
import {
  type Comparison,
  filterConditions,
  hasFilters,
  keysetCondition,
  keyText,
  orderBy,
  pairRuns,
  SORT_COLUMNS,
  type SortKeyName,
  SqlParams,
  TASK_JSON,
  walkColumns,
} from "./query";

/** Totals above this are estimated by the planner instead of counted. */
export const EXACT_COUNT_LIMIT = 1_000;

type Filters = ListFilters;
export type Boundary = { comparison: Comparison; key: string; id: string };

/**
 * How a page's ids are found: by the ordering's index (PostgreSQL's own plan); by a bounded walk of
 * the first `walk` rows of the ordering, index-only, whose answer is right whenever it fills the
 * page (see search-plan.ts); or matches first, when the filters are known to match few rows.
 */
export type IdPlan = "ordered" | "matches-first" | "per-combination" | { walk: number };

/**
 * Orderings with an index led by (status, priority) (migration 018): a page filtered by status or
 * priority reads the first rows of each allowed pair and merges them, however the matches bunch in
 * the ordering. updated_at is the one that bulk edits bunch: every task a job touches moves to its
 * newest end, in exactly the status and priority the job selected.
 */
const PER_COMBINATION_KEYS: ReadonlySet<SortKeyName> = new Set(["updatedAt"]);
/** Each pair reads offset + limit rows: beyond this depth the ordering's own index is cheaper. */
const PER_COMBINATION_MAX_DEPTH = 1_000;

/** Whether a page can be read per (status, priority) pair: its ordering has the index, and a filter narrows the pairs. */
export function perCombinationFits(sort: SortSpec, filters: Filters, depth: number): boolean {
  return (
    PER_COMBINATION_KEYS.has(sort.key) &&
    (filters.status !== undefined || filters.priority !== undefined) &&
    filters.q === undefined &&
    depth <= PER_COMBINATION_MAX_DEPTH
  );
}

/**
 * A page in one statement. The ids are chosen first, from the ordering's index (read alone when the
 * filters test only columns it carries), and only the rows of the page are then read for their JSON.
 */
export function pageQuery(
  sort: SortSpec,
  filters: Filters,
  direction: "asc" | "desc",
  boundary: Boundary | null,
  limit: number,
  offset = 0,
  plan: IdPlan = "ordered",
): { text: string; values: unknown[] } {
  const params = new SqlParams();
  const order = orderBy(sort.key, direction);
  const keyset = boundary ? keysetCondition(sort.key, boundary.comparison, boundary, params) : null;
  // The per-combination plan states status and priority per pair; every other plan filters on them.
  let conditions =
    plan === "per-combination"
      ? filterConditions({ ...filters, status: undefined, priority: undefined }, params)
      : filterConditions(filters, params);
  let source = "tasks t";
  if (typeof plan === "object") {
    source = `(select ${walkColumns(sort.key)} from tasks t ${keyset ? `where ${keyset}` : ""}
      order by ${order} limit ${params.add(plan.walk)}::int8) t`;
  } else if (plan === "per-combination") {
    // Each allowed (status, priority) pair is one short backward or forward range of
    // tasks_status_priority_updated_at_idx; the outer sort merges at most 16 x (offset + limit) rows.
    const runs = pairRuns(filters, params, {
      columns: `t.id, t.${SORT_COLUMNS[sort.key].column}`,
      conditions: keyset ? [...conditions, keyset] : conditions,
      order,
      limit: `${params.add(limit + offset)}::int8`,
    });
    source = `(select c.* from ${runs}) t`;
    conditions = [];
  } else {
    if (keyset) conditions.push(keyset);
    if (plan === "matches-first") {
      // OFFSET 0 keeps PostgreSQL from merging this into the outer query: the matches are found by
      // the filters' own indexes (the tags GIN, the assignee index), then sorted, instead of walking
      // the ordering for a page it may never fill (a rare tag at 1M rows: 2.75 s, every row read).
      source = `(select t.id, t.${SORT_COLUMNS[sort.key].column} from tasks t
        where ${conditions.join(" and ")} offset 0) t`;
      conditions = [];
    }
  }
  const where = conditions.length > 0 ? `where ${conditions.join(" and ")}` : "";
  const ids = `select t.id from ${source} ${where}
    order by ${order} limit ${params.add(limit)}::int8 offset ${params.add(offset)}::int8`;
  const text = `select t.id::text as id, ${keyText(sort.key)} as k, ${TASK_JSON} as json
    from tasks t join (${ids}) page on page.id = t.id
    order by ${order}`;
  return { text, values: params.values };
}

/**
 * Filters can match few rows (a tag, an assignee, a due range, a status nobody has), and then
 * walking an ordering for a page reads most of the table. Their total is counted up to 1,000 (or
 * read from task_counts) anyway, so a total known to be that small sends the page to the
 * matches-first plan, which finds them through the filters' own indexes. A status or priority
 * filter over many rows, on an ordering that has their index, reads each pair's first rows.
 */
export function idPlanFor(sort: SortSpec, filters: Filters, total: Total, depth: number): IdPlan {
  if (hasFilters(filters) && total.exact && total.value <= EXACT_COUNT_LIMIT) return "matches-first";
  return perCombinationFits(sort, filters, depth) ? "per-combination" : "ordered";
}
