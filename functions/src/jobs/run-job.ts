// What a worker does with one job: a bulk edit in keyset chunks, an export through COPY into a
// file, or an import in one transaction. Every chunk commits with the job's keyset position, so an
// attempt that dies (a failed statement, a killed worker, a timeout) is retried by the queue and
// goes on after the last committed chunk; a cancel is seen before the next chunk.
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Task } from "graphile-worker";
import { to as copyTo } from "pg-copy-streams";
import type { BulkAction, ExportRequest } from "#contract/jobs";
import type { Selection } from "#contract/selection";
import type { AuditContext, AuditRole } from "../audit/context";
import { auditSummary } from "../audit/sql";
import { writeThroughMany } from "../cache/entries";
import { publishBulk, publishJobProgress } from "../live/feed";
import { config } from "../platform/config";
import { connectDedicated, query, transaction, withStatementBudget } from "../platform/db";
import { errorText, log } from "../platform/logger";
import type { Role } from "../platform/roles";
import {
  bulkChunk,
  countSelection,
  exportCopySql,
  type ImportRow,
  insertImportRows,
  selectionBoundaries,
} from "../tasks/bulk";
import { orderBy } from "../tasks/query";
import type { TaskRecord } from "../tasks/task-record";
import { vacuumIfNeeded } from "../tasks/upkeep";
import { restAfterChunk } from "./pacing";
import { enqueueSql } from "./queue-sql";
import * as jobs from "./repository";

/** Thrown inside a chunk's transaction to roll it back: the job was cancelled meanwhile. */
class CancelledMidChunk extends Error {}

/** When the invocation must hand over (Lambda's remaining time); none when run outside Lambda. */
let deadline = Number.POSITIVE_INFINITY;
export function setDeadline(at: number): void {
  deadline = at;
}

function auditOf(row: jobs.JobRow): AuditContext {
  return {
    actor: {
      id: row.ownerId,
      name: row.ownerName,
      role: row.ownerRole as Role & AuditRole,
    } as AuditContext["actor"],
    requestId: row.requestId,
    clientIp: row.clientIp,
    userAgent: row.userAgent,
  };
}

/** A job's `job.progress` event, from its row or from what ended it. */
const progressOf = (job: Pick<jobs.JobRow, "id" | "kind" | "state" | "total" | "done" | "skipped">) => ({
  id: job.id,
  kind: job.kind,
  state: job.state,
  total: job.total,
  done: job.done,
  skipped: job.skipped,
});

/** Cache and live feed after a chunk committed: the chunk's tasks written through in one pipeline. */
async function afterWrite(written: TaskRecord[], deleted: string[]): Promise<void> {
  await writeThroughMany([
    ...written.map((task) => ({ op: "put" as const, task })),
    ...deleted.map((id) => ({ op: "del" as const, id })),
  ]);
}

async function finishWithSummary(
  row: jobs.JobRow,
  action: "tasks.bulk" | "tasks.import",
  facts: Record<string, unknown>,
  outcome: { state: "completed" | "failed"; error?: string; filePath?: string; done?: number },
  client?: Parameters<typeof jobs.finishJob>[0],
) {
  const finish = async (c: NonNullable<typeof client>) => {
    const job = await jobs.finishJob(c, row.id, outcome);
    if (job) {
      const summary = auditSummary(auditOf(row), action, {
        jobId: row.id,
        ...facts,
        state: job.state,
        done: job.done,
        skipped: job.skipped,
      });
      await query(summary.text, summary.values, c);
    }
    return job;
  };
  return client ? finish(client) : transaction(finish);
}

// ---------------------------------------------------------------------------------------------
// Bulk edits

/** Why a job's lanes stopped before their ends: cancelled, out of time, or an error to retry on. */
type LaneStop = { kind: "stopped" } | { kind: "handover" } | { kind: "error"; error: unknown };

async function runBulk(row: jobs.JobRow): Promise<void> {
  const { selection, action } = row.request as { selection: Selection; action: BulkAction };
  const maxId = row.maxId ?? "0";
  // The first attempt counts the selection; later ones find the total it stored.
  let total = row.total;
  if (row.attempts === 1 && row.maxId !== null) {
    total = await countSelection(selection, maxId);
    await jobs.setTotal(row.id, total);
  }
  const kind = action.delete ? "delete" : "update";
  // Where a job's time goes (one log line per attempt): the chunks' SQL, the cache, the live feed.
  // sqlMs is each chunk's transaction end to end; chunkSqlMs the chunk's own statement within it.
  const spent = { chunks: 0, sqlMs: 0, chunkSqlMs: 0, cacheMs: 0, liveMs: 0 };
  const clock = performance.now();
  // The selection is split once into equal id ranges (a retry finds them stored, each with its
  // committed position), shared out among the lanes: lane k takes ranges k, k + lanes, ...
  const ranges = await jobs.jobRanges(row.id, async () =>
    selectionBoundaries(
      selection,
      { afterId: row.cursorId, maxId },
      Math.max(0, total - row.done),
      config.JOB_LANES * config.JOB_STRIPES,
    ),
  );
  const laneCount = Math.min(config.JOB_LANES, ranges.after.length);
  let stop: LaneStop | undefined;
  let followUp: Promise<void> = Promise.resolve();

  /**
   * One lane's chunks until its ranges are used up or any lane stops the job. Each chunk takes an
   * equal share from every range of the lane still holding tasks: a job's changes, and the dead
   * index entries they leave, spread over the whole selection instead of piling up at the oldest
   * tasks, where "oldest first" pages of other users would walk them all.
   */
  const runLane = async (lane: number): Promise<void> => {
    let open = ranges.after
      .map((after, k) => ({ k, after, until: ranges.until[k] ?? maxId }))
      .filter(({ k }) => k % laneCount === lane);
    while (!stop && open.length > 0) {
      if (Date.now() > deadline) {
        stop = { kind: "handover" };
        return;
      }
      const mark = performance.now();
      const current = open;
      const step = await transaction(async (client) => {
        const job = await jobs.readJob(client, row.id);
        if (job?.state !== "running") return "stopped" as const;
        const statementStarted = performance.now();
        const chunk = await bulkChunk(
          client,
          { selection, action, snapshotAt: job.snapshotAt ?? "", maxId, ranges: current },
          config.JOB_CHUNK_SIZE,
        );
        spent.chunkSqlMs += performance.now() - statementStarted;
        if (chunk.seen === 0) return "end" as const;
        const written = chunk.written.length + chunk.deleted.length;
        const positions = current.flatMap((range, i) => {
          const reached = chunk.reached[i];
          return reached ? [{ range: range.k, after: reached.lastId }] : [];
        });
        const progress = await jobs.advanceRanges(client, row.id, {
          positions,
          done: chunk.seen,
          skipped: chunk.seen - written,
        });
        // Cancelled while the chunk ran: roll the chunk back.
        if (!progress) throw new CancelledMidChunk();
        return { chunk, progress };
      }).catch((error: unknown) => {
        if (error instanceof CancelledMidChunk) return "stopped" as const;
        throw error;
      });
      spent.sqlMs += performance.now() - mark;
      if (step === "end") return;
      if (step === "stopped") {
        stop = { kind: "stopped" };
        return;
      }
      spent.chunks += 1;
      // Other users' queries find a core free while the lane rests (pacing.ts).
      const rest = restAfterChunk(performance.now() - mark, config.JOB_DUTY);
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
      open = current.flatMap((range, i) => {
        const reached = step.chunk.reached[i];
        return reached?.more ? [{ ...range, after: reached.lastId }] : [];
      });
      // The chunk's cache writes and progress event overlap the next chunks' SQL: each chunk
      // reaches Redis only after it committed, one after another in the order they committed.
      const previous = followUp;
      followUp = (async () => {
        await previous;
        const started = performance.now();
        await afterWrite(step.chunk.written, step.chunk.deleted);
        const written = performance.now();
        await publishJobProgress(step.progress);
        spent.cacheMs += written - started;
        spent.liveMs += performance.now() - written;
      })();
    }
  };

  await Promise.all(
    Array.from({ length: laneCount }, (_, lane) =>
      runLane(lane).catch((error: unknown) => {
        // The other lanes stop after their current chunk; the queue retries the job from the
        // positions every lane committed.
        stop ??= { kind: "error", error };
      }),
    ),
  );
  await followUp;
  const stopped = stop as LaneStop | undefined;
  if (stopped?.kind === "error") throw stopped.error;
  if (stopped?.kind === "stopped") return;
  if (stopped?.kind === "handover") {
    // Out of time in this invocation: the next one goes on from the saved positions.
    await query(enqueueSql(`'${row.id}'::uuid`));
    await jobs.requeue(row.id, "handed over to the next worker invocation");
    return;
  }
  const round = (ms: number) => Math.round(ms);
  log("info", "bulk job chunks", {
    jobId: row.id,
    chunks: spent.chunks,
    lanes: laneCount,
    ranges: ranges.after.length,
    ms: round(performance.now() - clock),
    sqlMs: round(spent.sqlMs),
    chunkSqlMs: round(spent.chunkSqlMs),
    cacheMs: round(spent.cacheMs),
    liveMs: round(spent.liveMs),
  });
  const job = await finishWithSummary(row, "tasks.bulk", { selection, action }, { state: "completed" });
  if (!job) return;
  await publishBulk({ jobId: row.id, action: kind, count: job.done - job.skipped });
  await publishJobProgress(progressOf(job));
  // Every row the job wrote lost its page's all-visible bit, so other users' index-only walks
  // visit the heap for it (a rare filter's page: 130 ms after a 100,000-task job, 3 ms after a
  // vacuum) until the scheduled maintain vacuums, up to a minute later: vacuum now instead.
  await vacuumIfNeeded().catch((error: unknown) =>
    log("warn", "vacuum after a bulk job failed (maintain will retry)", {
      jobId: row.id,
      error: errorText(error),
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Exports

/** Counts lines as they stream by, and reports them every second (an estimate for CSV with line breaks in cells). */
function lineCounter(report: (lines: number) => void): Transform {
  let lines = 0;
  let last = Date.now();
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
      if (Date.now() - last > 1_000) {
        last = Date.now();
        report(lines);
      }
      callback(null, chunk);
    },
  });
}

export const exportFileOf = (id: string, format: "csv" | "ndjson") =>
  path.resolve(config.EXPORT_DIR, `${id}.${format}`);

async function runExport(row: jobs.JobRow): Promise<void> {
  const { filter, format } = row.request as ExportRequest;
  const sort = filter.sort ?? { key: "createdAt" as const, direction: "desc" as const };
  const file = exportFileOf(row.id, format);
  const partial = `${file}.part`;
  await mkdir(path.dirname(file), { recursive: true });
  const client = await connectDedicated("export");
  let rows = 0;
  try {
    const copy = client.query(
      copyTo(exportCopySql(filter, format, row.maxId ?? "0", orderBy(sort.key, sort.direction))),
    );
    await pipeline(
      copy,
      lineCounter((lines) => {
        void jobs.setDone(row.id, Math.max(0, lines - (format === "csv" ? 1 : 0))).catch(() => {});
      }),
      createWriteStream(partial),
    );
    rows = copy.rowCount;
  } finally {
    await client.end().catch(() => {});
  }
  await rename(partial, file);
  const job = await jobs.finishJob(undefined, row.id, { state: "completed", filePath: file, done: rows });
  if (!job) {
    await rm(file, { force: true });
    return;
  }
  await publishJobProgress(progressOf(job));
}

// ---------------------------------------------------------------------------------------------
// Imports

async function runImport(row: jobs.JobRow): Promise<void> {
  const { rows } = row.request as { rows: ImportRow[] };
  // All or none: one transaction on a connection of its own (no request-sized statement timeout).
  const client = await connectDedicated("import");
  let created: TaskRecord[] = [];
  let job: Awaited<ReturnType<typeof jobs.finishJob>>;
  try {
    await client.query("begin");
    const locked = await jobs.lockJob(client, row.id);
    if (locked?.state !== "running") {
      await client.query("rollback");
      return;
    }
    created = await insertImportRows(client, rows);
    job = await finishWithSummary(
      row,
      "tasks.import",
      { rows: rows.length },
      { state: "completed", done: created.length },
      client,
    );
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
  for (let i = 0; i < created.length; i += config.JOB_CHUNK_SIZE) {
    await afterWrite(created.slice(i, i + config.JOB_CHUNK_SIZE), []);
  }
  if (!job) return;
  await publishBulk({ jobId: row.id, action: "import", count: created.length });
  await publishJobProgress(progressOf(job));
}

// ---------------------------------------------------------------------------------------------

/**
 * A chunk of 2,000 non-HOT updates costs ~0.19 s of backend CPU (measured, README) and took 2-3 s on this box at
 * load average 20; a request's 1.2 s (or the default 5 s) would fail healthy chunks.
 */
const JOB_BUDGET = { statementMs: 60_000, lockMs: 5_000 };

const RUNNERS = { bulk: runBulk, export: runExport, import: runImport } as const;

/**
 * The queue's task. A failure is retried by the queue (e^attempt seconds later) while attempts
 * remain, the job showing `queued` with the error meanwhile; the last failure fails the job, with
 * what it did so far recorded (an audit summary for bulk edits: chunks that committed stay).
 */
export const runJob: Task = async (payload, helpers) => {
  const jobId = (payload as { jobId?: unknown } | null)?.jobId;
  if (typeof jobId !== "string") return;
  const row = await jobs.startAttempt(jobId);
  if (!row) return;
  try {
    await withStatementBudget(JOB_BUDGET, () => RUNNERS[row.kind](row));
  } catch (error) {
    // What the owner reads in GET /jobs/{id}: the message, never a stack.
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    log("warn", "job attempt failed", { jobId, attempt: helpers.job.attempts, error: errorText(error) });
    if (helpers.job.attempts >= helpers.job.max_attempts) {
      const job =
        row.kind === "bulk"
          ? await finishWithSummary(
              row,
              "tasks.bulk",
              { ...(row.request as object) },
              { state: "failed", error: message },
            )
          : await jobs.finishJob(undefined, row.id, { state: "failed", error: message });
      if (job) await publishJobProgress(progressOf(job));
      return;
    }
    await jobs.requeue(row.id, message);
    throw error;
  }
};

/** Finished jobs are kept a day (their exports too): the scheduled worker run removes older ones. */
export const JOB_RETENTION_HOURS = 24;

export async function purgeOldJobs(): Promise<number> {
  const gone = await jobs.expiredJobFiles(JOB_RETENTION_HOURS);
  await Promise.all(gone.map((job) => (job.filePath ? rm(job.filePath, { force: true }) : undefined)));
  return gone.length;
}
