// A task as the code passes it around: its API JSON, built by PostgreSQL and passed through
// untouched, next to the facts the cache and the live feed need. The facts come from typed columns
// of the same row, never parsed back out of the JSON text (whose spacing is PostgreSQL's business).

import type { Task } from "#contract/schemas";
import { iso, TASK_JSON } from "./query";

export interface TaskRecord {
  id: string;
  /** The task's API JSON text. */
  json: string;
  version: number;
  status: Task["status"];
  /** created_at as the API spells it (the default ordering's cursor key). */
  createdAt: string;
  /** created_at in µs since the Unix epoch: the position index's score. */
  createdMicros: number;
  /** expires_at in µs since the Unix epoch, or null: no cache entry outlives it. */
  expiresAtMicros: number | null;
}

/** The select list that yields a TaskRecordRow for the task aliased `t`. */
export const TASK_RECORD_COLUMNS = `t.id::text as id, t.version, t.status,
  ${iso("t.created_at")} as created_at,
  (extract(epoch from t.created_at) * 1000000)::int8::text as created_micros,
  (extract(epoch from t.expires_at) * 1000000)::int8::text as expires_micros,
  ${TASK_JSON} as json`;

export interface TaskRecordRow {
  id: string;
  version: number;
  status: string;
  created_at: string;
  created_micros: string;
  expires_micros: string | null;
  json: string;
}

export function toTaskRecord(row: TaskRecordRow): TaskRecord {
  return {
    id: row.id,
    json: row.json,
    version: row.version,
    status: row.status as Task["status"],
    createdAt: row.created_at,
    createdMicros: Number(row.created_micros),
    expiresAtMicros: row.expires_micros === null ? null : Number(row.expires_micros),
  };
}
