// What the job routes call: start a job (recorded and queued in one transaction, then the worker
// woken), read one, cancel one. A job is its owner's; an admin may read and cancel anyone's.
import type { BulkRequest, ExportRequest, Job } from "#contract/jobs";
import { pickFilters } from "#contract/schemas";
import type { AuditContext } from "../audit/context";
import { NotFoundError, NotOwnerError } from "../platform/errors";
import { type Actor, roleAtLeast } from "../platform/roles";
import type { ImportRow } from "../tasks/bulk";
import { countTasks } from "../tasks/repository";
import { ensureQueue, wakeWorker } from "./queue";
import * as jobs from "./repository";

/** What a selection holds now, as far as cheaply known (the worker counts it exactly when it starts). */
async function estimateTotal(selection: BulkRequest["selection"]): Promise<number> {
  const except = selection.except?.length ?? 0;
  if (selection.ids) return selection.ids.length;
  const total = await countTasks(pickFilters(selection.filter));
  return Math.max(0, total.value - except);
}

async function start(kind: Job["kind"], request: unknown, audit: AuditContext, total: number): Promise<Job> {
  await ensureQueue();
  const job = await jobs.createJob(kind, request, audit, total);
  await wakeWorker();
  return job;
}

export async function startBulk(request: BulkRequest, audit: AuditContext): Promise<Job> {
  return start("bulk", request, audit, await estimateTotal(request.selection));
}

export async function startExport(request: ExportRequest, audit: AuditContext): Promise<Job> {
  const total = await countTasks(pickFilters(request.filter));
  return start("export", request, audit, total.value);
}

export async function startImport(rows: ImportRow[], audit: AuditContext): Promise<Job> {
  return start("import", { rows }, audit, rows.length);
}

/** The job if the actor may see it: 404 when there is none, 403 when it is someone else's. */
export async function jobFor(id: string, actor: Actor): Promise<jobs.JobRow> {
  const row = await jobs.findJob(id);
  if (!row) throw new NotFoundError(`Job ${id} not found`);
  if (row.ownerId !== actor.id && !roleAtLeast(actor.role, "admin")) {
    throw new NotOwnerError("This job belongs to someone else");
  }
  return row;
}

export async function cancel(id: string, actor: Actor): Promise<Job> {
  await jobFor(id, actor);
  const job = await jobs.cancelJob(id);
  if (!job) throw new NotFoundError(`Job ${id} not found`);
  return job;
}
