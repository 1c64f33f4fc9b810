// Every statement the API's requests run against the task tables (reads, writes, positions, stats);
// the scheduled upkeep's are ./upkeep.ts's;
// bulk loads are functions/src/seed/repository.ts's. Rows leave as JSON text built by PostgreSQL,
// so list pages never materialise per-row JS objects.
import { createHash } from "node:crypto";
import { TASK_PRIORITIES, TASK_STATUSES } from "#contract/constants";
import type {
  CreateTaskInput,
  ListFilters,
  ListTasksQuery,
  SortSpec,
  TaskStats,
  Total,
  UpdateTaskInput,
} from "#contract/schemas";
import { pickFilters } from "#contract/schemas";
import type { AuditContext } from "../audit/context";
import { auditRowsFrom } from "../audit/sql";
import { config } from "../platform/config";
import { getPool, type Queryable, query, queryWithin, transaction } from "../platform/db";
import { ConflictError, NotFoundError, PreconditionFailedError } from "../platform/errors";
import { type Cursor, decodeCursor, encodeCursor, queryFingerprint } from "./cursor";
import { EXACT_COUNT_LIMIT, type IdPlan, idPlanFor, pageQuery } from "./page-query";
import {
  type Comparison,
  filterConditions,
  hasFilters,
  isCountable,
  isCoveredByIndexes,
  keptCountConditions,
  keysetCondition,
  keyText,
  LIVE,
  orderBy,
  priorityRank,
  SORT_COLUMNS,
  type SortKeyName,
  SqlParams,
  TASK_JSON,
} from "./query";
import { readSearchPage } from "./search-plan";
import { TASK_RECORD_COLUMNS, type TaskRecord, type TaskRecordRow, toTaskRecord } from "./task-record";

/** Rows between two fences; a position lookup reads at most about this many index entries. */
export const FENCE_SPACING = 1_000;

export interface TaskRow {
  id: string;
  json: string;
}

export interface ListResult {
  items: TaskRow[];
  nextCursor: string | null;
  prevCursor: string | null;
  total: Total;
  offset: number | null;
}

interface PageRow extends TaskRow {
  k: string;
}

type Filters = ListFilters;

function splitQuery(request: ListTasksQuery): { sort: SortSpec; filters: Filters } {
  return { sort: request.sort, filters: pickFilters(request) };
}

const flip = (direction: "asc" | "desc") => (direction === "asc" ? "desc" : "asc");

async function fetchPage(...args: Parameters<typeof pageQuery>): Promise<PageRow[]> {
  const { text, values } = pageQuery(...args);
  return (await query<PageRow>(text, values)).rows;
}

/** Deeper than this, a search goes straight to the planner's plan. */
const SEARCH_WALK_MAX_DEPTH = 1_000;
/** How long the trigram plan may run for a term that looks rare: enough when matches are few. */
const SEARCH_RARE_TERM_MS = 4;

/** What names a page: pageQuery's parameters but the walk. */
type PageArgs = Parameters<typeof pageQuery> extends [...infer Page, plan?: IdPlan] ? Page : never;

/** A search page: which plan reads it is search-plan.ts's choice; these are the three it has. */
async function fetchSearchPage(...page: PageArgs): Promise<PageRow[]> {
  const [sort, filters, direction, boundary, limit, offset = 0] = page;
  const planned = () => fetchPage(sort, filters, direction, boundary, limit, offset);
  if (!isCoveredByIndexes(filters) || offset + limit > SEARCH_WALK_MAX_DEPTH) return planned();
  // Per ordering too: where matches bunch (old rows, one assignee's) differs between orderings.
  const term = JSON.stringify({ ...filters, order: `${direction}:${sort.key}` });
  return readSearchPage(term, offset + limit, limit, {
    walk: (rows) => fetchPage(sort, filters, direction, boundary, limit, offset, { walk: rows }),
    rare: async () => {
      const { text, values } = pageQuery(sort, filters, direction, boundary, limit, offset);
      const result = await queryWithin<PageRow>(SEARCH_RARE_TERM_MS, text, values);
      return result === "timeout" ? result : result.rows;
    },
    planned,
  });
}

async function pagePlanFor(
  filters: Filters,
  total: Promise<Total> | undefined,
): Promise<(...page: PageArgs) => Promise<PageRow[]>> {
  if (!hasFilters(filters) || !total) return fetchPage;
  const known = await total;
  // Nothing matches (exactly): no page to look for, and a walk would read the whole ordering.
  if (known.exact && known.value === 0) return async () => [];
  return (sort, rowFilters, direction, boundary, limit, offset = 0) =>
    fetchPage(
      sort,
      rowFilters,
      direction,
      boundary,
      limit,
      offset,
      idPlanFor(sort, rowFilters, known, offset + limit),
    );
}

export async function listTasks(request: ListTasksQuery): Promise<ListResult> {
  const { sort, filters } = splitQuery(request);
  const fingerprint = queryFingerprint(sort, filters);
  const limit = request.limit;
  const cursorOf = (row: PageRow, d: Cursor["d"]) => encodeCursor({ q: fingerprint, k: row.k, i: row.id, d });

  // Counting search matches costs a full trigram bitmap (40 ms for a common word at 1M rows), so
  // a search's total comes from the page itself when it is complete, else from the planner.
  const totalPromise = filters.q === undefined ? countTasks(filters) : undefined;
  // Awaited below; this only keeps a failure while the page query is also failing from going unhandled.
  totalPromise?.catch(() => {});
  const page = filters.q !== undefined ? fetchSearchPage : await pagePlanFor(filters, totalPromise);
  let rows: PageRow[];
  let hasBefore: boolean;
  let hasAfter: boolean;
  let offset: number | null = null;

  if (request.cursor !== undefined) {
    const cursor = decodeCursor(request.cursor, fingerprint);
    const forward = cursor.d === "n";
    const direction = forward ? sort.direction : flip(sort.direction);
    const comparison: Comparison = direction === "asc" ? ">" : "<";
    const fetched = await page(
      sort,
      filters,
      direction,
      { comparison, key: cursor.k, id: cursor.i },
      limit + 1,
    );
    const more = fetched.length > limit;
    rows = fetched.slice(0, limit);
    if (!forward) rows.reverse();
    hasBefore = forward ? true : more;
    hasAfter = forward ? more : true;
  } else if (request.offset !== undefined && request.offset > 0) {
    offset = request.offset;
    const fetched =
      hasFilters(filters) || !totalPromise
        ? await page(sort, filters, sort.direction, null, limit + 1, offset)
        : await pageAtPosition(sort, offset, limit + 1, (await totalPromise).value);
    rows = fetched.slice(0, limit);
    hasBefore = true;
    hasAfter = fetched.length > limit;
  } else {
    offset = request.offset === 0 ? 0 : null;
    const fetched = await page(sort, filters, sort.direction, null, limit + 1);
    rows = fetched.slice(0, limit);
    hasBefore = false;
    hasAfter = fetched.length > limit;
  }

  const first = rows[0];
  const last = rows.at(-1);
  return {
    items: rows.map(({ id, json }) => ({ id, json })),
    nextCursor: hasAfter && last ? cursorOf(last, "n") : null,
    prevCursor: hasBefore && first ? cursorOf(first, "p") : null,
    total: totalPromise
      ? await totalPromise
      : await searchTotal(
          filters,
          rows.length,
          request.cursor === undefined ? (offset ?? 0) : null,
          hasAfter,
        ),
    offset,
  };
}

/**
 * A search's total: exact when this page is known to hold every match after a known position,
 * else the planner's estimate, never below the rows this request has already proven to exist.
 */
async function searchTotal(
  filters: Filters,
  rows: number,
  position: number | null,
  hasAfter: boolean,
): Promise<Total> {
  if (position !== null && !hasAfter && (rows > 0 || position === 0))
    return { value: position + rows, exact: true };
  const params = new SqlParams();
  const where = filterConditions(filters, params).join(" and ");
  const plan = await query<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }>(
    `explain (format json) select 1 from tasks t where ${where}`,
    params.values,
  );
  const estimate = Math.round(plan.rows[0]?.["QUERY PLAN"][0].Plan["Plan Rows"] ?? 0);
  // An empty page past a position proves only that there are fewer matches than the position: it
  // must never lift the total to the offset a client asked for (it reported 1,000,000,000).
  if (rows === 0) return { value: position === null ? estimate : Math.min(estimate, position), exact: false };
  const proven = (position ?? 0) + rows + (hasAfter ? 1 : 0);
  return { value: Math.max(estimate, proven), exact: false };
}

/**
 * Rows from a position of an unfiltered ordering without an OFFSET scan: the nearest fence below
 * the position gives its rank at build time, corrected by the changes logged since and by expired
 * rows not yet purged; the remaining distance is at most about FENCE_SPACING + recent changes.
 */
async function pageAtPosition(
  sort: SortSpec,
  position: number,
  limit: number,
  total: number,
): Promise<PageRow[]> {
  if (position >= total) return [];
  // Fences are built over the ascending order; a descending position counts from the other end.
  const ascPosition = sort.direction === "asc" ? position : total - 1 - position;
  const anchor = await rowAtAscendingPosition(sort.key, ascPosition);
  if (!anchor) return [];
  const comparison: Comparison = sort.direction === "asc" ? ">=" : "<=";
  return fetchPage(sort, {}, sort.direction, { comparison, key: anchor.k, id: anchor.id }, limit);
}

async function rowAtAscendingPosition(
  key: SortKeyName,
  position: number,
): Promise<{ k: string; id: string } | null> {
  const column = SORT_COLUMNS[key];
  const fence = await query<{ k: string; id: string; rank: string }>(
    `select ${keyText(key, "f")} as k, f.task_id::text as id,
       f.rank
       + coalesce((select sum(l.delta) from task_rank_log l
           where (${column.expr("l")}, l.task_id) < (${column.expr("f")}, f.task_id)), 0)
       - (select count(*) from tasks x where x.expires_at <= now()
           and (${column.expr("x")}, x.id) < (${column.expr("f")}, f.task_id)) as rank
     from task_fences f where f.sort_key = $1 and f.rank <= $2
     order by f.rank desc limit 1`,
    [key, position],
  );
  const found = fence.rows[0];
  const params = new SqlParams();
  const live = [LIVE];
  let distance = position;
  let direction: "asc" | "desc" = "asc";
  if (found) {
    distance = position - Number(found.rank);
    // Inserts logged before the fence can push it past the position: walk back from the fence.
    direction = distance >= 0 ? "asc" : "desc";
    live.push(keysetCondition(key, distance >= 0 ? ">=" : "<", { key: found.k, id: found.id }, params));
    if (distance < 0) distance = -distance - 1;
  }
  const row = await query<{ k: string; id: string }>(
    `select ${keyText(key)} as k, t.id::text as id from tasks t where ${live.join(" and ")}
     order by ${orderBy(key, direction)} offset ${params.add(distance)}::int8 limit 1`,
    params.values,
  );
  return row.rows[0] ?? null;
}

/** An honest total: exact from task_counts when the filters allow, counted when small, else estimated. */
export async function countTasks(filters: Filters, client?: Queryable): Promise<Total> {
  if (isCountable(filters)) {
    const params = new SqlParams();
    const { kept, expired } = keptCountConditions(filters, params);
    const result = await query<{ n: string }>(
      `select (select coalesce(sum(c.n), 0) from task_counts c where ${kept.join(" and ")})
            - (select count(*) from tasks t where ${expired.join(" and ")}) as n`,
      params.values,
      client,
    );
    return { value: Number(result.rows[0]?.n ?? 0), exact: true };
  }
  const params = new SqlParams();
  const where = filterConditions(filters, params).join(" and ");
  const counted = await query<{ n: string }>(
    `select count(*) as n from (select 1 from tasks t where ${where} limit ${EXACT_COUNT_LIMIT + 1}) s`,
    params.values,
    client,
  );
  const n = Number(counted.rows[0]?.n ?? 0);
  if (n <= EXACT_COUNT_LIMIT) return { value: n, exact: true };
  const plan = await query<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }>(
    `explain (format json) select 1 from tasks t where ${where}`,
    params.values,
    client,
  );
  const estimate = plan.rows[0]?.["QUERY PLAN"][0].Plan["Plan Rows"] ?? n;
  return { value: Math.max(EXACT_COUNT_LIMIT + 1, Math.round(estimate)), exact: false };
}

export async function getTask(id: string): Promise<TaskRecord> {
  const result = await query<TaskRecordRow>(
    `select ${TASK_RECORD_COLUMNS} from tasks t where t.id = $1 and ${LIVE}`,
    [id],
  );
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`Task ${id} not found`);
  return toTaskRecord(row);
}

/** Several tasks by id in one round trip; missing or expired ids are simply absent. */
export async function getTasks(ids: string[]): Promise<TaskRecord[]> {
  if (ids.length === 0) return [];
  const result = await query<TaskRecordRow>(
    `select ${TASK_RECORD_COLUMNS} from tasks t where t.id = any($1::int8[]) and ${LIVE}`,
    [ids],
  );
  return result.rows.map(toTaskRecord);
}

/** A new task, or the first response to a repeated Idempotency-Key (its JSON as first answered). */
export type CreateResult =
  | (TaskRecord & { replayed: false })
  | { id: string; json: string; version: number; replayed: true };

async function insertTask(
  client: Queryable,
  input: CreateTaskInput,
  audit: AuditContext,
): Promise<TaskRecord> {
  const params = new SqlParams();
  const values = [
    input.title,
    input.description,
    input.status,
    priorityRank(input.priority),
    input.assignee,
    input.tags,
    input.dueAt,
    input.expiresAt,
  ].map((value) => params.add(value));
  // One statement: the audit row commits with the task or not at all, for no extra round trip.
  const result = await query<TaskRecordRow>(
    `with t as (
       insert into tasks as t (title, description, status, priority, assignee, tags, due_at, expires_at)
       values (${values.join(", ")}) returning t.*
     ), audited as (
       ${auditRowsFrom(params, audit, "task.create", { from: "t", before: "null", after: `(${TASK_JSON})::jsonb` })}
     )
     select ${TASK_RECORD_COLUMNS} from t`,
    params.values,
    client,
  );
  const row = result.rows[0];
  if (!row) throw new Error("insert returned no row");
  return toTaskRecord(row);
}

/**
 * Creates a task. With an idempotency key the key is claimed in the same transaction as the
 * insert, so a retry (even one racing the first attempt) replays the first result.
 */
export async function createTask(
  input: CreateTaskInput,
  audit: AuditContext,
  idempotencyKey?: string,
): Promise<CreateResult> {
  if (idempotencyKey === undefined) {
    return { ...(await insertTask(getPool(), input, audit)), replayed: false as const };
  }
  // Keys are per actor: another caller's identical key is a different key.
  const actorId = audit.actor.id;
  const requestHash = createHash("sha256").update(JSON.stringify(input)).digest("hex");
  return transaction(async (client) => {
    // A key older than its TTL is free again (maintain deletes those; this covers the minute between).
    const claimed = await query(
      `insert into idempotency_keys (actor_id, key, request_hash) values ($3, $1, $2)
       on conflict (actor_id, key) do update
         set request_hash = excluded.request_hash, task_id = null, response = null, created_at = now()
         where idempotency_keys.created_at <= now() - make_interval(hours => $4)
       returning key`,
      [idempotencyKey, requestHash, actorId, config.IDEMPOTENCY_KEY_TTL_HOURS],
      client,
    );
    if (claimed.rowCount === 1) {
      const task = await insertTask(client, input, audit);
      await query(
        `update idempotency_keys set task_id = $2, response = $3 where actor_id = $4 and key = $1`,
        [idempotencyKey, task.id, task.json, actorId],
        client,
      );
      return { ...task, replayed: false as const };
    }
    const previous = await query<{ request_hash: string; task_id: string; response: string }>(
      `select request_hash, task_id::text as task_id, response from idempotency_keys
       where actor_id = $2 and key = $1`,
      [idempotencyKey, actorId],
      client,
    );
    const row = previous.rows[0];
    if (!row || row.request_hash !== requestHash) {
      throw new ConflictError("This Idempotency-Key was already used with a different request");
    }
    const version = (JSON.parse(row.response) as { version: number }).version;
    return { id: row.task_id, json: row.response, version, replayed: true as const };
  });
}

const UPDATE_COLUMNS = {
  title: "title",
  description: "description",
  status: "status",
  priority: "priority",
  assignee: "assignee",
  tags: "tags",
  dueAt: "due_at",
  expiresAt: "expires_at",
} as const;

/** Partial update; with an expected version the write happens only if nobody wrote in between. */
export async function updateTask(
  id: string,
  patch: UpdateTaskInput,
  audit: AuditContext,
  expectedVersion?: number,
): Promise<TaskRecord> {
  const params = new SqlParams();
  const idParam = params.add(id);
  const sets: string[] = [];
  for (const [field, column] of Object.entries(UPDATE_COLUMNS) as [keyof typeof UPDATE_COLUMNS, string][]) {
    const value = patch[field];
    if (value === undefined) continue;
    const stored = field === "priority" ? priorityRank(value as CreateTaskInput["priority"]) : value;
    sets.push(`${column} = ${params.add(stored)}`);
  }
  const versionCondition =
    expectedVersion === undefined ? "" : ` and t.version = ${params.add(expectedVersion)}`;
  // The row is locked as it is read for its before image, so the change recorded is exactly the
  // one this statement made, whatever concurrent writers did first.
  const result = await query<TaskRecordRow>(
    `with old as (
       select t.id, (${TASK_JSON})::jsonb as json from tasks t where t.id = ${idParam} and ${LIVE} for update
     ), t as (
       update tasks as t set ${sets.join(", ")}, version = t.version + 1, updated_at = clock_timestamp()
       from old where t.id = old.id and ${LIVE}${versionCondition}
       returning t.*
     ), audited as (
       ${auditRowsFrom(params, audit, "task.update", {
         from: "t join old on old.id = t.id",
         before: "old.json",
         after: `(${TASK_JSON})::jsonb`,
       })}
     )
     select ${TASK_RECORD_COLUMNS} from t`,
    params.values,
  );
  const row = result.rows[0];
  if (row) return toTaskRecord(row);
  const current = await getTask(id);
  throw new PreconditionFailedError(
    `Task ${id} is at version ${current.version}, not ${expectedVersion}; reload it and retry`,
    current.version,
  );
}

export async function deleteTask(id: string, audit: AuditContext, expectedVersion?: number): Promise<void> {
  const params = new SqlParams();
  const idParam = params.add(id);
  const versionCondition =
    expectedVersion === undefined ? "" : ` and t.version = ${params.add(expectedVersion)}`;
  const result = await query(
    `with t as (
       delete from tasks t where t.id = ${idParam} and ${LIVE}${versionCondition} returning t.*
     ), audited as (
       ${auditRowsFrom(params, audit, "task.delete", { from: "t", before: `(${TASK_JSON})::jsonb`, after: "null" })}
     )
     select t.id from t`,
    params.values,
  );
  if (result.rowCount === 1) return;
  const current = await getTask(id);
  throw new PreconditionFailedError(
    `Task ${id} is at version ${current.version}, not ${expectedVersion}`,
    current.version,
  );
}

export async function taskStats(): Promise<TaskStats> {
  const result = await query<{ status: string; priority: number; n: string }>(
    `select status, priority, sum(n)::int8 as n from (
       select status, priority, n from task_counts
       union all
       select t.status, t.priority, -count(*) from tasks t where t.expires_at <= now() group by 1, 2
     ) s group by 1, 2`,
  );
  const byStatus = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as TaskStats["byStatus"];
  const byPriority = Object.fromEntries(
    TASK_PRIORITIES.map((priority) => [priority, 0]),
  ) as TaskStats["byPriority"];
  let total = 0;
  for (const row of result.rows) {
    const n = Number(row.n);
    const status = row.status as keyof TaskStats["byStatus"];
    const priority = TASK_PRIORITIES[row.priority];
    if (status in byStatus) byStatus[status] += n;
    if (priority) byPriority[priority] += n;
    total += n;
  }
  return { total, byStatus, byPriority };
}

/**
 * One batch of the cache's position index, in id order: the created_at ordering key in
 * microseconds (exact in a double until the year 2255) and the expiry in milliseconds.
 */
export async function indexRows(
  afterId: string,
  limit: number,
): Promise<{ id: string; createdMicros: string; expiresAtMs: string | null }[]> {
  const result = await query<{ id: string; createdMicros: string; expiresAtMs: string | null }>(
    `select t.id::text as id,
            (extract(epoch from t.created_at) * 1000000)::int8::text as "createdMicros",
            (extract(epoch from t.expires_at) * 1000)::text as "expiresAtMs"
     from tasks t where t.id > $1::int8 and ${LIVE} order by t.id limit $2`,
    [afterId, limit],
  );
  return result.rows;
}

/** The next instant a live task expires: cached pages and totals must not outlive it. */
export async function nextExpiry(): Promise<number | null> {
  const result = await query<{ at: string | null }>(
    `select (extract(epoch from min(expires_at)) * 1000)::text as at from tasks where expires_at > now()`,
  );
  const at = result.rows[0]?.at;
  return at === null || at === undefined ? null : Number(at);
}

/** Activity counters kept by migration 005's triggers: writes by kind and status, summed over shards. */
export async function activityCounts(): Promise<{ kind: string; status: string; n: number }[]> {
  const result = await query<{ kind: string; status: string; n: string }>(
    "select kind, status, sum(n)::int8::text as n from task_activity group by 1, 2",
  );
  return result.rows.map((row) => ({ kind: row.kind, status: row.status, n: Number(row.n) }));
}
