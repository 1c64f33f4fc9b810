// GET /tasks/facets: counts by status, priority, assignee (top 20) and tag (top 20) for a filter,
// each facet under the other filters (a chip shows what choosing it would give, so a status chip
// does not read 0 because another status is chosen). Bounded cost at any table size:
// - status and priority under status/priority filters only: exact from task_counts (trigger-kept);
// - otherwise, when the filter matches few tasks: counted exactly, through the filter's index,
//   within a time limit;
// - assignee and tag with no other filter: the planner's statistics (most common values and
//   elements, from ANALYZE), scaled to the exact total, marked estimated;
// - otherwise: a page sample (TABLESAMPLE SYSTEM, ~SAMPLE_ROWS rows) of the one column needed,
//   scaled to the filter's total, marked estimated. REPEATABLE: the same pages every time, so they
//   stay in shared buffers (a fresh random sample read ~120 pages from disk: 44-80 ms, vs ~10 ms).
import { FACET_TOP, LIST_FILTER_KEYS, TASK_PRIORITIES, TASK_STATUSES } from "#contract/constants";
import type { Facet, Facets } from "#contract/facets";
import type { ListFilters, Total } from "#contract/schemas";
import { query, queryWithin } from "../platform/db";
import { filterConditions, isCountable, keptCountConditions, SqlParams } from "./query";
import { countTasks } from "./repository";

/** Below this many matching tasks a facet is counted exactly (through the filter's index). */
const EXACT_FACET_ROWS = 5_000;
/**
 * A safety net, not the budget: at most EXACT_FACET_ROWS rows through an index cost a few ms, but
 * the planner's estimate that sent us here can be wrong; past this the sample answers instead.
 */
const EXACT_FACET_MS = 250;
/** How long a search's matches may take to count before the facets estimate them instead. */
const SEARCH_COUNT_MS = 10;
/** Rows a sample reads (1M tasks: 0.5% of the pages). */
const SAMPLE_ROWS = 5_000;

type Dimension = "status" | "priority" | "assignee" | "tag";

const DIMENSIONS: Record<
  Dimension,
  { value: string; from: string; label: (value: string | null) => string | null }
> = {
  status: { value: "t.status", from: "", label: (v) => v },
  priority: { value: "t.priority::text", from: "", label: (v) => TASK_PRIORITIES[Number(v)] ?? v },
  assignee: { value: "t.assignee", from: "", label: (v) => v },
  tag: { value: "g.tag", from: ", unnest(t.tags) as g(tag)", label: (v) => v },
};

const without = (filters: ListFilters, key: Dimension): ListFilters => {
  const rest: Record<string, unknown> = {};
  for (const name of LIST_FILTER_KEYS)
    if (name !== key && filters[name] !== undefined) rest[name] = filters[name];
  return rest as ListFilters;
};

/** Every status (or priority) listed, in its own order, zeros included. */
function complete(dimension: "status" | "priority", counts: Map<string, number>, exact: boolean): Facet {
  const values: readonly string[] = dimension === "status" ? TASK_STATUSES : TASK_PRIORITIES;
  return { buckets: values.map((value) => ({ value, count: counts.get(value) ?? 0 })), exact };
}

/** Exact status or priority counts from the trigger-kept totals (minus tasks expired since). */
async function keptCounts(
  dimension: "status" | "priority",
  filters: ListFilters,
): Promise<Map<string, number>> {
  const params = new SqlParams();
  const { kept, expired } = keptCountConditions(filters, params);
  const column = dimension === "status" ? "status" : "priority::text";
  const result = await query<{ v: string; n: string }>(
    `select v, sum(n)::int8::text as n from (
       select c.${column} as v, c.n from task_counts c where ${kept.join(" and ")}
       union all
       select t.${column}, -count(*) from tasks t where ${expired.join(" and ")} group by 1
     ) s group by v`,
    params.values,
  );
  const label = DIMENSIONS[dimension].label;
  return new Map(result.rows.map((row) => [label(row.v) ?? "", Number(row.n)]));
}

interface Counted {
  counts: { value: string | null; count: number }[];
  exact: boolean;
}

/** The top values of a dimension among the tasks matching `filters`, exactly or from a sample. */
async function grouped(dimension: Dimension, filters: ListFilters, total: Total): Promise<Counted> {
  const { value, from, label } = DIMENSIONS[dimension];
  const params = new SqlParams();
  const where = filterConditions(filters, params).join(" and ");
  const limit = dimension === "assignee" || dimension === "tag" ? FACET_TOP : 10;
  // A search whose total could not be counted quickly is not counted again per facet.
  if (total.value <= EXACT_FACET_ROWS && (total.exact || filters.q === undefined)) {
    const exact = await queryWithin<{ v: string | null; n: string }>(
      EXACT_FACET_MS,
      `select ${value} as v, count(*)::text as n from tasks t${from} where ${where}
       group by 1 order by count(*) desc, 1 limit ${limit}`,
      params.values,
    );
    if (exact !== "timeout") {
      return {
        counts: exact.rows.map((row) => ({ value: label(row.v), count: Number(row.n) })),
        exact: true,
      };
    }
  }
  if ((dimension === "assignee" || dimension === "tag") && Object.keys(filters).length === 0) {
    const counts = await plannerStatistics(dimension, total.value);
    if (counts) return { counts, exact: false };
  }
  const size = await query<{ rows: number }>(
    "select greatest(reltuples, 1)::float8 as rows from pg_class where oid = 'tasks'::regclass",
  );
  const percent = Math.min(100, (100 * SAMPLE_ROWS) / (size.rows[0]?.rows ?? 1));
  const sample = await query<{ v: string | null; n: string; matched: string }>(
    `with s as materialized (select t.${dimension === "tag" ? "tags" : dimension}
       from tasks t tablesample system (${percent.toFixed(4)}) repeatable (16) where ${where})
     select ${value} as v, count(*)::text as n, (select count(*) from s)::text as matched
       from s t${from} group by 1 order by count(*) desc, 1 limit ${limit}`,
    params.values,
  );
  const matched = Number(sample.rows[0]?.matched ?? 0);
  const scale = matched > 0 ? total.value / matched : 0;
  return {
    counts: sample.rows.map((row) => ({ value: label(row.v), count: Math.round(Number(row.n) * scale) })),
    exact: false,
  };
}

/**
 * The most frequent assignees (or tags) of the whole table from ANALYZE's statistics: free, and as
 * good as a sample; undefined when the table has none yet.
 */
async function plannerStatistics(dimension: "assignee" | "tag", total: number) {
  const result = await query<{ values: (string | null)[] | null; freqs: number[] | null; nulls: number }>(
    dimension === "assignee"
      ? `select most_common_vals::text::text[] as values, most_common_freqs::float8[] as freqs, null_frac::float8 as nulls
           from pg_stats where schemaname = current_schema() and tablename = 'tasks' and attname = 'assignee'`
      : `select most_common_elems::text::text[] as values, most_common_elem_freqs::float8[] as freqs, 0::float8 as nulls
           from pg_stats where schemaname = current_schema() and tablename = 'tasks' and attname = 'tags'`,
  );
  const row = result.rows[0];
  if (!row?.values || !row.freqs) return undefined;
  const freqs = row.freqs;
  const counts: { value: string | null; count: number }[] = row.values.map((value, i) => ({
    value,
    count: Math.round((freqs[i] ?? 0) * total),
  }));
  if (dimension === "assignee" && row.nulls > 0)
    counts.push({ value: null, count: Math.round(row.nulls * total) });
  return counts.sort((a, b) => b.count - a.count).slice(0, FACET_TOP);
}

async function facet(
  dimension: Dimension,
  filters: ListFilters,
  totals: (filters: ListFilters) => Promise<Total>,
): Promise<Facet> {
  const rest = without(filters, dimension);
  if ((dimension === "status" || dimension === "priority") && isCountable(rest)) {
    return complete(dimension, await keptCounts(dimension, rest), true);
  }
  const counted = await grouped(dimension, rest, await totals(rest));
  if (dimension === "status" || dimension === "priority") {
    return complete(dimension, new Map(counted.counts.map((c) => [c.value ?? "", c.count])), counted.exact);
  }
  return { buckets: counted.counts, exact: counted.exact };
}

/**
 * A filter's total for the facets: exact from the kept counts, or counted when the planner expects
 * few matches; otherwise the planner's estimate as it is (countTasks would first probe up to 1,001
 * matches, which for a common search term means building its whole trigram bitmap: 200-500 ms).
 */
async function facetTotal(filters: ListFilters): Promise<Total> {
  if (isCountable(filters)) return countTasks(filters);
  const params = new SqlParams();
  const where = filterConditions(filters, params).join(" and ");
  const plan = await query<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }>(
    `explain (format json) select 1 from tasks t where ${where}`,
    params.values,
  );
  const estimate = Math.round(plan.rows[0]?.["QUERY PLAN"][0].Plan["Plan Rows"] ?? 0);
  if (filters.q !== undefined) {
    // The planner cannot estimate a substring (it guesses small), and counting a search builds the
    // term's whole trigram bitmap first: 1.5 s a facets request at 10,000,000 tasks (p99 5.9 s).
    // Counted only while that is quick (a rare term: a few ms), which is when the matches are few.
    const counted = await queryWithin<{ n: string }>(
      SEARCH_COUNT_MS,
      `select count(*)::text as n from (select 1 from tasks t where ${where} limit ${EXACT_FACET_ROWS + 1}) s`,
      params.values,
    );
    const n = counted === "timeout" ? undefined : Number(counted.rows[0]?.n ?? 0);
    if (n !== undefined && n <= EXACT_FACET_ROWS) return { value: n, exact: true };
    return { value: Math.max(estimate, n ?? 0), exact: false };
  }
  if (estimate <= EXACT_FACET_ROWS * 2) return countTasks(filters);
  return { value: estimate, exact: false };
}

/** GET /tasks/facets as a body. One facet after another: a request holds one connection at a time. */
export async function taskFacets(filters: ListFilters): Promise<Facets> {
  const known = new Map<string, Promise<Total>>();
  // countTasks once per distinct filter: the facets often share theirs.
  const totals = (of: ListFilters) => {
    const key = JSON.stringify(of);
    let total = known.get(key);
    if (!total) {
      total = facetTotal(of);
      known.set(key, total);
    }
    return total;
  };
  const total = await totals(filters);
  const status = await facet("status", filters, totals);
  const priority = await facet("priority", filters, totals);
  const assignee = await facet("assignee", filters, totals);
  const tag = await facet("tag", filters, totals);
  return { total, status, priority, assignee, tag };
}
