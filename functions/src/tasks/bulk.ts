// Task SQL for jobs over many tasks (issue 16): a bulk job's keyset chunk, the count of a
// selection, and the import's insert. Each chunk is one statement in the caller's transaction; a
// task a person changed after the job's snapshot is left as the person left it.
import { MAX_TAGS } from "#contract/constants";
import type { BulkAction } from "#contract/jobs";
import { pickFilters } from "#contract/schemas";
import type { Selection } from "#contract/selection";
import { type Queryable, query } from "../platform/db";
import { filterConditions, LIVE, pairRuns, priorityRank, SqlParams, TASK_JSON } from "./query";
import { TASK_RECORD_COLUMNS, type TaskRecord, type TaskRecordRow, toTaskRecord } from "./task-record";

/** The WHERE conditions of a selection, limited to the tasks that existed when the job started. */
export function selectionConditions(selection: Selection, params: SqlParams, maxId?: string): string[] {
  const conditions = filterConditions(pickFilters(selection.filter), params);
  if (selection.ids) conditions.push(`t.id = any(${params.add(selection.ids)}::int8[])`);
  if (selection.except && selection.except.length > 0) {
    conditions.push(`t.id <> all(${params.add(selection.except)}::int8[])`);
  }
  if (maxId !== undefined) conditions.push(`t.id <= ${params.add(maxId)}::int8`);
  return conditions;
}

/** How many tasks a selection holds now (the job's total; expired tasks excluded). */
export async function countSelection(selection: Selection, maxId?: string): Promise<number> {
  const params = new SqlParams();
  const where = selectionConditions(selection, params, maxId).join(" and ");
  const result = await query<{ n: string }>(
    `select count(*)::text as n from tasks t where ${where}`,
    params.values,
  );
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * Ids that split a selection into `parts` runs of equal size (ascending; fewer when it is small):
 * the ends of a bulk job's ranges. One walk of the selection in id order, not one per boundary.
 */
export async function selectionBoundaries(
  selection: Selection,
  range: { afterId: string; maxId: string },
  total: number,
  parts: number,
): Promise<string[]> {
  const offsets: number[] = [];
  for (let part = 1; part < parts; part += 1) {
    const offset = Math.floor((total * part) / parts);
    if (offset > 0 && offset !== offsets.at(-1)) offsets.push(offset);
  }
  if (offsets.length === 0) return [];
  const params = new SqlParams();
  const conditions = selectionConditions(selection, params, range.maxId);
  conditions.push(`t.id > ${params.add(range.afterId)}::int8`);
  const result = await query<{ id: string }>(
    `select s.id::text as id from (
       select t.id, row_number() over (order by t.id) as n from tasks t where ${conditions.join(" and ")}
     ) s where s.n = any(${params.add(offsets)}::int8[]) order by s.id`,
    params.values,
  );
  return result.rows.map((row) => row.id);
}

/** The tags a task ends with: its own plus `add` (first occurrence kept, in order) minus `remove`. */
function tagsExpression(action: BulkAction, params: SqlParams): string | undefined {
  if (!action.addTags && !action.removeTags) return undefined;
  const add = params.add(action.addTags ?? []);
  const remove = params.add(action.removeTags ?? []);
  return `coalesce((select array_agg(x order by o) from (
      select x, min(o) as o from unnest(t.tags || ${add}::text[]) with ordinality u(x, o)
      where x <> all(${remove}::text[]) group by x) s), '{}'::text[])`;
}

/** Where a chunk starts in one of its job's ranges: after `after`, up to `until` (ids, inclusive). */
export interface ChunkRange {
  after: string;
  until: string;
}

/**
 * The next `perRange` selected ids of one range (`r.after_id`, `r.until_id`], in id order. A filter
 * on status or priority reads each allowed pair's own run of tasks_status_priority_idx from the
 * range's position and merges them: stated as `status = any(...)`, PostgreSQL cannot take id order
 * from that index, so every chunk read and sorted the whole rest of every range (5,860 entries and
 * 8,815 heap fetches a range for 125 ids, a tenth of each chunk's time at 1M tasks).
 */
function rangeShare(selection: Selection, maxId: string, params: SqlParams, perRange: number): string {
  const filter = pickFilters(selection.filter);
  // A search or a hand-picked list is found through its own index (trigrams, the primary key).
  const byPair =
    (filter.status !== undefined || filter.priority !== undefined) &&
    filter.q === undefined &&
    !selection.ids;
  const conditions = byPair
    ? selectionConditions(
        { ...selection, filter: { ...filter, status: undefined, priority: undefined } },
        params,
        maxId,
      )
    : selectionConditions(selection, params, maxId);
  const inRange = `${conditions.join(" and ")} and t.id > r.after_id and t.id <= r.until_id`;
  const limit = `${params.add(perRange)}::int8`;
  if (!byPair) return `select t.id from tasks t where ${inRange} order by t.id limit ${limit}`;
  const runs = pairRuns(filter, params, { columns: "t.id", conditions: [inRange], order: "t.id", limit });
  return `select c.id from ${runs} order by c.id limit ${limit}`;
}

export interface ChunkResult {
  /**
   * Per range asked for, in order: the last id the chunk took there (null: none), and whether the
   * range may hold more (it gave its whole share; one that gave less has nothing left).
   */
  reached: Array<{ lastId: string; more: boolean } | null>;
  /** Tasks the chunk went through. */
  seen: number;
  /** The tasks as written (updates) or the ids deleted. */
  written: TaskRecord[];
  deleted: string[];
}

/**
 * One keyset chunk of a bulk job: the next `limit` selected tasks, an equal share from each of
 * `ranges`, changed (or deleted) unless a person changed them after `snapshotAt`. The condition on
 * updated_at is part of the UPDATE/DELETE itself, so PostgreSQL re-checks it on the newest row
 * version when a concurrent edit committed first (READ COMMITTED re-evaluation): the person's edit
 * always wins.
 */
export async function bulkChunk(
  client: Queryable,
  job: { selection: Selection; action: BulkAction; snapshotAt: string; maxId: string; ranges: ChunkRange[] },
  limit: number,
): Promise<ChunkResult> {
  const perRange = Math.max(1, Math.ceil(limit / Math.max(1, job.ranges.length)));
  const params = new SqlParams();
  const after = params.add(job.ranges.map((range) => range.after));
  const until = params.add(job.ranges.map((range) => range.until));
  const snapshot = params.add(job.snapshotAt);
  const picked = `select r.k, p.id from unnest(${after}::int8[], ${until}::int8[]) with ordinality r(after_id, until_id, k)
    cross join lateral (${rangeShare(job.selection, job.maxId, params, perRange)}) p`;
  const fresh = `t.updated_at <= ${snapshot}::timestamptz and ${LIVE}`;
  const { action } = job;
  let write: string;
  if (action.delete) {
    write = `delete from tasks t using picked p where t.id = p.id and ${fresh} returning t.*`;
  } else {
    const sets: string[] = [];
    if (action.set?.status !== undefined) sets.push(`status = ${params.add(action.set.status)}`);
    if (action.set?.priority !== undefined) {
      sets.push(`priority = ${params.add(priorityRank(action.set.priority))}::int2`);
    }
    if (action.set?.assignee !== undefined) sets.push(`assignee = ${params.add(action.set.assignee)}`);
    const tags = tagsExpression(action, params);
    if (tags) sets.push(`tags = ${tags}`);
    // A task that would end with more tags than allowed is left alone (counted as skipped).
    const fits = tags ? ` and cardinality(${tags}) <= ${MAX_TAGS}` : "";
    // Every task of the job is stamped with the time the job was requested, the one moment its
    // change stands for. That is never before a task's own updated_at (older edits only are
    // overwritten), and it keeps the job's rows in id order within "recently updated" orderings,
    // so a later job over them, walking its ranges in id order, leaves its dead index entries
    // spread out there too instead of all at the oldest end.
    write = `update tasks t set ${sets.join(", ")}, version = t.version + 1, updated_at = ${snapshot}::timestamptz
      from picked p where t.id = p.id and ${fresh}${fits} returning t.*`;
  }
  const result = await query<{
    reached: Array<{ k: number; lastId: string; taken: number }> | null;
    seen: number;
    rows: TaskRecordRow[] | null;
  }>(
    `with picked as (${picked}), w as (${write})
     select (select json_agg(json_build_object('k', k, 'lastId', last_id, 'taken', taken))
               from (select k, max(id)::text as last_id, count(*)::int as taken from picked group by k) x) as reached,
            (select count(*)::int from picked) as seen,
            (select json_agg(r) from (select ${TASK_RECORD_COLUMNS} from w t) r) as rows`,
    params.values,
    client,
  );
  const row = result.rows[0];
  const reached: ChunkResult["reached"] = job.ranges.map(() => null);
  for (const range of row?.reached ?? []) {
    reached[range.k - 1] = { lastId: range.lastId, more: range.taken >= perRange };
  }
  const rows = row?.rows ?? [];
  return {
    reached,
    seen: row?.seen ?? 0,
    written: action.delete ? [] : rows.map(toTaskRecord),
    deleted: action.delete ? rows.map((r) => r.id) : [],
  };
}

/** A validated row of an import, in the table's terms. */
export interface ImportRow {
  title: string;
  description: string;
  status: string;
  priority: number;
  assignee: string | null;
  tags: string[];
  dueAt: string | null;
  expiresAt: string | null;
}

/** Inserts rows of an import (one statement; the caller's transaction holds all of them). */
export async function insertImportRows(client: Queryable, rows: ImportRow[]): Promise<TaskRecord[]> {
  const result = await query<TaskRecordRow>(
    `with input as (
       select * from jsonb_to_recordset($1::jsonb) as r(title text, description text, status text,
         priority int2, assignee text, tags text[], "dueAt" timestamptz, "expiresAt" timestamptz)
     ), t as (
       insert into tasks (title, description, status, priority, assignee, tags, due_at, expires_at)
       select title, description, status, priority, assignee, tags, "dueAt", "expiresAt" from input
       returning *
     )
     select ${TASK_RECORD_COLUMNS} from t`,
    [JSON.stringify(rows)],
    client,
  );
  return result.rows.map(toTaskRecord);
}

/** The JSON of a task for an export line (NDJSON) or the CSV columns, in EXPORT_COLUMNS order. */
export const EXPORT_SELECT = {
  ndjson: `${TASK_JSON} as line`,
  csv: `t.id, t.title, t.description, t.status,
    (array['low','medium','high','urgent'])[t.priority + 1] as priority, t.assignee,
    to_json(t.tags)::text as tags,
    to_char(t.due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "dueAt",
    to_char(t.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "expiresAt",
    to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "createdAt",
    to_char(t.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "updatedAt", t.version`,
} as const;

/** A parameter as an SQL literal: COPY takes no bind parameters, so an export's are inlined. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => `"${String(item).replace(/["\\]/g, (c) => `\\${c}`)}"`);
    return literal(`{${items.join(",")}}`);
  }
  // Standard-conforming strings (on since PostgreSQL 9.1): only the quote needs doubling.
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** Replaces $n with its value as a literal (values are validated input: strings, numbers, arrays). */
export function inlineParams(text: string, values: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_match, n: string) => literal(values[Number(n) - 1]));
}

/**
 * The COPY statement of an export: every task of the view, in its order (ties by id, as the list
 * orders them). CSV with a header row in EXPORT_COLUMNS order; NDJSON as the API's JSON, one task
 * a line (CSV framing with quote and delimiter characters JSON never leaves raw, so lines pass
 * through unescaped).
 */
export function exportCopySql(
  filter: Selection["filter"],
  format: "csv" | "ndjson",
  maxId: string,
  order: string,
): string {
  const params = new SqlParams();
  const conditions = selectionConditions({ filter }, params, maxId);
  const select = `select ${EXPORT_SELECT[format]} from tasks t where ${conditions.join(" and ")} order by ${order}`;
  const options =
    format === "csv" ? "format csv, header true" : "format csv, quote e'\\x01', delimiter e'\\x02'";
  return `copy (${inlineParams(select, params.values)}) to stdout with (${options})`;
}
