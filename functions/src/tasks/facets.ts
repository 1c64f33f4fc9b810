// GET /tasks/facets: counts by status, priority, assignee (top 20) and tag (top 20) for a filter,
// each facet under the other filters (a chip shows what choosing it would give, so a status chip
// does not read 0 because another status is chosen). Bounded cost at any table size:
// - status and priority under status/priority filters only: exact from task_counts (trigger-kept);
// - otherwise, when the filter matches few tasks (countTasks says so exactly): counted exactly,
//   through the filter's index, within a time limit;
// - otherwise: a page sample (TABLESAMPLE SYSTEM, ~SAMPLE_ROWS rows) scaled to the filter's total,
//   marked estimated.
import { FACET_TOP, LIST_FILTER_KEYS, TASK_PRIORITIES, TASK_STATUSES } from "#contract/constants";
import type { Facet, Facets } from "#contract/facets";
import type { ListFilters, Total } from "#contract/schemas";
import { query, queryWithin } from "../platform/db";
import { filterConditions, isCountable, priorityRank, SqlParams } from "./query";
import { countTasks } from "./repository";

/** Below this many matching tasks a facet is counted exactly (through the filter's index). */
const EXACT_FACET_ROWS = 20_000;
/** The time an exact count may take before the sample answers instead. */
const EXACT_FACET_MS = 40;
/** Rows a sample reads (1M tasks: 2% of the pages). */
const SAMPLE_ROWS = 20_000;

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
  const kept = ["true"];
  const expired = ["t.expires_at <= now()"];
  if (filters.status) {
    const p = params.add(filters.status);
    kept.push(`c.status = any(${p}::text[])`);
    expired.push(`t.status = any(${p}::text[])`);
  }
  if (filters.priority) {
    const p = params.add(filters.priority.map(priorityRank));
    kept.push(`c.priority = any(${p}::int2[])`);
    expired.push(`t.priority = any(${p}::int2[])`);
  }
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
  if (total.value <= EXACT_FACET_ROWS) {
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
  const size = await query<{ rows: number }>(
    "select greatest(reltuples, 1)::float8 as rows from pg_class where oid = 'tasks'::regclass",
  );
  const percent = Math.min(100, (100 * SAMPLE_ROWS) / (size.rows[0]?.rows ?? 1));
  const sample = await query<{ v: string | null; n: string; matched: string }>(
    `with s as (select t.* from tasks t tablesample system (${percent.toFixed(4)}) where ${where})
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

async function facet(dimension: Dimension, filters: ListFilters): Promise<Facet> {
  const rest = without(filters, dimension);
  if ((dimension === "status" || dimension === "priority") && isCountable(rest)) {
    return complete(dimension, await keptCounts(dimension, rest), true);
  }
  const counted = await grouped(dimension, rest, await countTasks(rest));
  if (dimension === "status" || dimension === "priority") {
    return complete(dimension, new Map(counted.counts.map((c) => [c.value ?? "", c.count])), counted.exact);
  }
  return { buckets: counted.counts, exact: counted.exact };
}

/** GET /tasks/facets as a body. One facet after another: a request holds one connection at a time. */
export async function taskFacets(filters: ListFilters): Promise<Facets> {
  const total = await countTasks(filters);
  const status = await facet("status", filters);
  const priority = await facet("priority", filters);
  const assignee = await facet("assignee", filters);
  const tag = await facet("tag", filters);
  return { total, status, priority, assignee, tag };
}
