// The only module that reads audit_log (writes are fragments of the task statements, sql.ts).
// Pages are keyset-paged on (at, id) descending, the order of the indexes and of the partitions,
// and rendered to JSON by PostgreSQL like task pages.
import * as z from "zod";
import type { AuditQuery, HistoryQuery } from "#contract/audit";
import { query } from "../platform/db";
import { BadRequestError } from "../platform/errors";
import { SqlParams } from "../tasks/query";

const CursorPayload = z.strictObject({
  /** `at` in microseconds since the epoch, as PostgreSQL printed it: exact, unlike a JS Date. */
  t: z.string().regex(/^-?\d{1,19}$/),
  i: z.string().regex(/^[1-9]\d{0,18}$/),
});
type Cursor = z.infer<typeof CursorPayload>;

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");

function decodeCursor(raw: string): Cursor {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw new Error("not base64url");
    return CursorPayload.parse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
  } catch {
    throw new BadRequestError(
      "cursor is malformed",
      [{ path: "cursor", message: "not a cursor" }],
      "invalid_cursor",
    );
  }
}

const ISO = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const ENTRY_FIELDS = `'id', a.id::text, 'at', ${ISO("a.at")},
  'actor', json_build_object('id', a.actor_id, 'name', a.actor_name, 'role', a.actor_role),
  'action', a.action, 'taskId', a.task_id::text, 'changes', a.changes, 'version', a.version`;
/** Where a request came from is for admins (GET /audit), not for every viewer of a task's history. */
const ORIGIN_FIELDS = `'requestId', a.request_id, 'clientIp', a.client_ip, 'userAgent', a.user_agent`;

interface EntryRow {
  json: string;
  t: string;
  i: string;
}

async function readPage(
  conditions: string[],
  params: SqlParams,
  page: { limit: number; cursor?: string | undefined },
  withOrigin: boolean,
): Promise<{ body: string; count: number }> {
  if (page.cursor !== undefined) {
    const cursor = decodeCursor(page.cursor);
    conditions.push(
      `(a.at, a.id) < (timestamptz 'epoch' + ${params.add(cursor.t)}::int8 * interval '1 microsecond', ${params.add(cursor.i)}::int8)`,
    );
  }
  const where = conditions.length > 0 ? `where ${conditions.join(" and ")}` : "";
  const result = await query<EntryRow>(
    `select json_build_object(${ENTRY_FIELDS}${withOrigin ? `, ${ORIGIN_FIELDS}` : ""})::text as json,
            (extract(epoch from a.at) * 1000000)::int8::text as t, a.id::text as i
     from audit_log a ${where}
     order by a.at desc, a.id desc limit ${params.add(page.limit + 1)}::int8`,
    params.values,
  );
  const rows = result.rows.slice(0, page.limit);
  const last = rows.at(-1);
  const nextCursor = result.rows.length > page.limit && last ? encodeCursor({ t: last.t, i: last.i }) : null;
  return {
    body: `{"items":[${rows.map((row) => row.json).join(",")}],"nextCursor":${JSON.stringify(nextCursor)}}`,
    count: rows.length,
  };
}

/**
 * Entries after the latest replacing seed: a replace starts a new table whose ids restart, so an
 * older entry with the same task id is about another task (GET /audit still shows it).
 */
const SINCE_LAST_REPLACE = `a.at > coalesce((select max(r.at) from audit_log r
  where r.action = 'tasks.seed' and r.changes ->> 'mode' = 'replace'), '-infinity')`;

/** A task's history, newest first; it outlives the task (audit_log has no foreign key to tasks). */
export async function taskHistory(
  taskId: string,
  page: HistoryQuery,
): Promise<{ body: string; count: number }> {
  const params = new SqlParams();
  return readPage([`a.task_id = ${params.add(taskId)}::int8`, SINCE_LAST_REPLACE], params, page, false);
}

/** Whether a task exists now (expired or not): tells "no history yet" from "no such task". */
export async function taskExists(taskId: string): Promise<boolean> {
  const result = await query("select 1 from tasks where id = $1::int8", [taskId]);
  return result.rowCount === 1;
}

/** GET /audit: every entry, filtered, newest first. */
export async function auditEntries(request: AuditQuery): Promise<string> {
  const params = new SqlParams();
  const conditions: string[] = [];
  if (request.actor !== undefined) conditions.push(`a.actor_id = ${params.add(request.actor)}`);
  if (request.action !== undefined) conditions.push(`a.action = ${params.add(request.action)}`);
  if (request.taskId !== undefined) conditions.push(`a.task_id = ${params.add(request.taskId)}::int8`);
  if (request.since !== undefined) conditions.push(`a.at >= ${params.add(request.since)}::timestamptz`);
  if (request.until !== undefined) conditions.push(`a.at < ${params.add(request.until)}::timestamptz`);
  return (await readPage(conditions, params, request, true)).body;
}

/** Creates the coming months' partitions (run by `maintain`); returns the ones it created. */
export async function ensureAuditPartitions(months = 3): Promise<string[]> {
  const result = await query<{ name: string }>("select audit_log_ensure_partitions($1) as name", [months]);
  return result.rows.map((row) => row.name);
}
