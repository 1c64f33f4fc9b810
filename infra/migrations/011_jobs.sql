-- Issue 16: background jobs over many tasks (bulk edits, exports, imports). The queue itself is
-- graphile-worker's (schema graphile_worker, created by its own migrations: functions/src/jobs/queue.ts);
-- this table is what the API reports and what makes a chunk safe to repeat: the keyset position
-- (`cursor_id`) advances in the same transaction as the chunk's writes, so a retried attempt
-- starts after the last committed chunk and never applies one twice.
create table if not exists jobs (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('bulk', 'export', 'import')),
  state text not null default 'queued'
    check (state in ('queued', 'running', 'completed', 'failed', 'cancelled')),
  owner_id text not null,
  owner_name text not null,
  owner_role text not null,
  -- The validated request: { selection, action } (bulk), { filter, format } (export), { rows } (import).
  request jsonb not null,
  total int8 not null default 0,
  done int8 not null default 0,
  skipped int8 not null default 0,
  -- Fixed when the job is requested: tasks changed after `snapshot_at` are a person's newer edits
  -- (kept), tasks with ids above `max_id` were created after the request (left out).
  snapshot_at timestamptz,
  max_id int8,
  cursor_id int8 not null default 0,
  attempts int not null default 0,
  error text,
  file_path text,
  request_id text,
  client_ip text,
  user_agent text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);
create index if not exists jobs_owner_idx on jobs (owner_id, created_at desc);
create index if not exists jobs_finished_idx on jobs (finished_at) where finished_at is not null;
