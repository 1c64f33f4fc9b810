// The only module that reads and writes the jobs table (migration 011): what GET /jobs/{id}
// reports, and the keyset position that makes every chunk safe to repeat. The queue that wakes
// workers is graphile-worker's (queue.ts); this table is the job's own record.

import type { JobKind, JobState } from "#contract/constants";
import type { Job } from "#contract/jobs";
import type { JobProgress } from "#contract/live";
import type { AuditContext } from "../audit/context";
import { type Queryable, query } from "../platform/db";
import { iso } from "../tasks/query";
import { enqueueSql } from "./queue-sql";

/** A job as PostgreSQL renders it for the API (Job in contract/jobs.ts). */
const JOB_JSON = `json_build_object(
  'id', j.id, 'kind', j.kind, 'state', j.state, 'total', j.total, 'done', j.done, 'skipped', j.skipped,
  'error', j.error, 'attempts', j.attempts, 'createdAt', ${iso("j.created_at")},
  'startedAt', ${iso("j.started_at")}, 'finishedAt', ${iso("j.finished_at")},
  'format', case when j.kind = 'export' then j.request ->> 'format' end,
  'download', case when j.kind = 'export' and j.state = 'completed' then '/jobs/' || j.id || '/download' end)`;

export interface JobRow {
  id: string;
  kind: JobKind;
  state: JobState;
  ownerId: string;
  ownerName: string;
  ownerRole: string;
  request: unknown;
  total: number;
  done: number;
  skipped: number;
  snapshotAt: string | null;
  maxId: string | null;
  cursorId: string;
  attempts: number;
  filePath: string | null;
  requestId: string | null;
  clientIp: string | null;
  userAgent: string | null;
  job: Job;
}

const ROW_COLUMNS = `j.id::text as "id", j.kind, j.state, j.owner_id as "ownerId", j.owner_name as "ownerName",
  j.owner_role as "ownerRole", j.request, j.total::float8 as total, j.done::float8 as done,
  j.skipped::float8 as skipped, j.snapshot_at::text as "snapshotAt", j.max_id::text as "maxId",
  j.cursor_id::text as "cursorId", j.attempts, j.file_path as "filePath", j.request_id as "requestId",
  j.client_ip as "clientIp", j.user_agent as "userAgent", ${JOB_JSON} as job`;

/**
 * Records a job and puts it on the queue in one transaction: a job the API answered 202 for is
 * always queued, and a queue entry always has its row.
 */
export async function createJob(
  kind: JobKind,
  request: unknown,
  audit: AuditContext,
  total: number,
): Promise<Job> {
  const result = await query<{ job: Job }>(
    `with j as (
       insert into jobs (kind, request, owner_id, owner_name, owner_role, total, request_id, client_ip,
                         user_agent, snapshot_at, max_id)
       values ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9, clock_timestamp(),
               (select coalesce(max(id), 0) from tasks)) returning *
     ), queued as (${enqueueSql("(select id from j)")})
     select ${JOB_JSON} as job from j, queued`,
    [
      kind,
      JSON.stringify(request),
      audit.actor.id,
      audit.actor.name,
      audit.actor.role,
      total,
      audit.requestId,
      audit.clientIp,
      audit.userAgent,
    ],
  );
  const row = result.rows[0];
  if (!row) throw new Error("the job was not recorded");
  return row.job;
}

export async function findJob(id: string, client?: Queryable): Promise<JobRow | undefined> {
  const result = await query<JobRow>(`select ${ROW_COLUMNS} from jobs j where j.id = $1::uuid`, [id], client);
  return result.rows[0];
}

/** The job as a chunk's transaction starts (no lock: a cancel never waits for a chunk). */
export async function readJob(client: Queryable, id: string): Promise<JobRow | undefined> {
  return findJob(id, client);
}

/** Locks the job's row for the rest of the transaction (an import's one transaction). */
export async function lockJob(client: Queryable, id: string): Promise<JobRow | undefined> {
  const result = await query<JobRow>(
    `select ${ROW_COLUMNS} from jobs j where j.id = $1::uuid for update`,
    [id],
    client,
  );
  return result.rows[0];
}

/**
 * An attempt begins (it goes on from the saved keyset position). The snapshot, what "a newer
 * edit" means, and the ids the job may touch were fixed when the job was requested.
 */
export async function startAttempt(id: string): Promise<JobRow | undefined> {
  const result = await query<JobRow>(
    `update jobs j set state = 'running', attempts = j.attempts + 1, error = null,
        started_at = coalesce(j.started_at, now())
      where j.id = $1::uuid and j.state in ('queued', 'running')
      returning ${ROW_COLUMNS}`,
    [id],
  );
  return result.rows[0];
}

/** The total of a job whose first attempt counted it (counting needs the snapshot's max id). */
export async function setTotal(id: string, total: number): Promise<void> {
  await query("update jobs set total = $2 where id = $1::uuid", [id, total]);
}

/** An export's progress as its lines stream by (an estimate until the COPY reports its rows). */
export async function setDone(id: string, done: number): Promise<void> {
  await query("update jobs set done = $2 where id = $1::uuid and state = 'running'", [id, done]);
}

/**
 * A bulk job's ranges: range k goes on after `after[k]` up to `until[k]` (ids, inclusive). Ranges
 * are contiguous, ascending and of equal size when fixed; lanes (connections) share them out.
 */
export interface JobRanges {
  after: string[];
  until: string[];
}

/**
 * The job's ranges, fixed by the attempt that first asks: `split()` gives ascending ids of the
 * selection that divide it evenly, ending all ranges but the last, which ends at the job's max id.
 * A later attempt gets the stored ranges, each with the position it committed.
 */
export async function jobRanges(id: string, split: () => Promise<string[]>): Promise<JobRanges> {
  const stored = await query<JobRanges>(
    `select j.lane_after::text[] as after, j.lane_until::text[] as until from jobs j
      where j.id = $1::uuid and j.lane_after is not null`,
    [id],
  );
  if (stored.rows[0]) return stored.rows[0];
  const boundaries = await split();
  const result = await query<JobRanges>(
    `update jobs j set
        lane_after = coalesce(j.lane_after, array[j.cursor_id] || $2::int8[]),
        lane_until = coalesce(j.lane_until, $2::int8[] || array[coalesce(j.max_id, 0)])
      where j.id = $1::uuid
      returning j.lane_after::text[] as after, j.lane_until::text[] as until`,
    [id, boundaries],
  );
  const ranges = result.rows[0];
  if (!ranges) throw new Error("the job's row is gone");
  return ranges;
}

/**
 * Last in a chunk's transaction: the positions of the ranges the chunk went through and the job's
 * counts advance with the chunk's writes, only while the job still runs. Undefined when it was
 * cancelled meanwhile: the caller rolls the chunk back (so a cancel waits at most for this one
 * statement, never for a whole chunk).
 */
export async function advanceRanges(
  client: Queryable,
  id: string,
  step: { positions: Array<{ range: number; after: string }>; done: number; skipped: number },
): Promise<JobProgress | undefined> {
  const result = await query<{ progress: JobProgress }>(
    `update jobs j set
        lane_after = (select array_agg(coalesce(moved.after, kept.after) order by kept.k)
          from unnest(j.lane_after) with ordinality kept(after, k)
          left join unnest($2::int[], $3::int8[]) moved(k, after) on moved.k = kept.k),
        cursor_id = greatest(j.cursor_id, (select max(a) from unnest($3::int8[]) a)),
        done = j.done + $4, skipped = j.skipped + $5
      where j.id = $1::uuid and j.state = 'running'
      returning json_build_object('id', j.id, 'kind', j.kind, 'state', j.state, 'total', j.total,
        'done', j.done, 'skipped', j.skipped) as progress`,
    [
      id,
      step.positions.map((position) => position.range + 1),
      step.positions.map((position) => position.after),
      step.done,
      step.skipped,
    ],
    client,
  );
  return result.rows[0]?.progress;
}

/**
 * Whether a bulk job is writing now (started within the hour: a row a dead worker left `running`
 * stops counting once its queue lock could have expired).
 */
export async function bulkJobRunning(): Promise<boolean> {
  const result = await query<{ running: boolean }>(
    `select exists (select 1 from jobs where kind = 'bulk' and state = 'running'
       and started_at > now() - interval '1 hour') as running`,
  );
  return result.rows[0]?.running ?? false;
}

/** The job ended (completed, failed, cancelled); a summary audit row may share the transaction. */
export async function finishJob(
  client: Queryable | undefined,
  id: string,
  outcome: { state: "completed" | "failed"; error?: string | null; filePath?: string | null; done?: number },
): Promise<Job | undefined> {
  const result = await query<{ job: Job }>(
    `update jobs j set state = $2, error = $3, finished_at = now(),
        file_path = coalesce($4, j.file_path), done = coalesce($5::int8, j.done),
        total = case when $2 = 'completed' then coalesce($5::int8, j.done) else j.total end
      where j.id = $1::uuid and j.state in ('queued', 'running')
      returning ${JOB_JSON} as job`,
    [id, outcome.state, outcome.error ?? null, outcome.filePath ?? null, outcome.done ?? null],
    client,
  );
  return result.rows[0]?.job;
}

/** A failed attempt that will be retried: back to queued, with why. */
export async function requeue(id: string, error: string): Promise<void> {
  await query(
    "update jobs set state = 'queued', error = $2 where id = $1::uuid and state in ('queued', 'running')",
    [id, error],
  );
}

/**
 * Cancels a job that has not ended; its queue entry goes unless a worker holds it, and that worker
 * stops before its next chunk (it locks this row first). Answers the job as it now stands.
 */
export async function cancelJob(id: string): Promise<Job | undefined> {
  const result = await query<{ job: Job }>(
    `update jobs j set state = 'cancelled', finished_at = now()
      where j.id = $1::uuid and j.state in ('queued', 'running') returning ${JOB_JSON} as job`,
    [id],
  );
  const cancelled = result.rows[0]?.job;
  if (!cancelled) return (await findJob(id))?.job;
  await query("select graphile_worker.remove_job($1)", [id]);
  return cancelled;
}

/** Deletes jobs that finished more than `olderThanHours` ago; answers their files to remove. */
export async function expiredJobFiles(
  olderThanHours: number,
): Promise<{ id: string; filePath: string | null }[]> {
  const result = await query<{ id: string; filePath: string | null }>(
    `delete from jobs where finished_at < now() - make_interval(hours => $1)
      returning id::text as id, file_path as "filePath"`,
    [olderThanHours],
  );
  return result.rows;
}
