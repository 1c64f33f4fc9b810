// The live feed's wire format (WebSocket messages and /tasks/activity), shared by the functions that
// publish it and the browser that applies it. Types only: no validator ships to the browser.
import type { JobKind, JobState, TaskStatus } from "./constants";
import type { Task } from "./schemas";

export const LIVE_EVENT_TYPES = [
  "task.created",
  "task.updated",
  "task.deleted",
  "tasks.seeded",
  "tasks.bulk",
  "job.progress",
] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

/** An event as a client receives it; `seq` numbers every event, so a gap means something was missed. */
export type LiveEvent =
  | { seq: number; type: "task.created" | "task.updated"; id: string; version: number; task: Task }
  | { seq: number; type: "task.deleted"; id: string }
  | { seq: number; type: "tasks.seeded"; rows?: number; mode?: string }
  /**
   * A bulk job's writes, coalesced: one event per finished job ("12,000 tasks updated"), never one
   * per task; clients reload the rows they show.
   */
  | { seq: number; type: "tasks.bulk"; jobId: string; action: "update" | "delete" | "import"; count: number }
  /** A job's progress, once per chunk and when it ends (ids are unguessable; no task data). */
  | { seq: number; type: "job.progress"; job: JobProgress };

/** The part of a job (contract/jobs.ts) that live progress carries. */
export interface JobProgress {
  id: string;
  kind: JobKind;
  state: JobState;
  total: number;
  done: number;
  skipped: number;
}

export const COUNTER_KINDS = ["created", "updated", "deleted"] as const;
export type CounterKind = (typeof COUNTER_KINDS)[number];
export type StatusCounts = Record<TaskStatus, number>;

/** Writes since the feed began: totals, and by the status a task was created with, ended with or had. */
export interface Counters {
  created: number;
  updated: number;
  deleted: number;
  byStatus: Record<CounterKind, StatusCounts>;
}

/** The server's reply to hello/resync: the events after the client's seq, or complete: false. */
export interface SyncReply {
  type: "sync";
  head: number;
  complete: boolean;
  events: LiveEvent[];
  counters: Counters;
}
