-- Exact totals without count(*): statement-level triggers keep per (status, priority) counts and an
-- append-only log of ordering changes. task_fences samples every 1000th row of each ordering; a
-- position is then fence rank + the log entries before the fence - expired rows before it, so a
-- jump to row 990,000 reads one fence, a small log and at most ~1000 index entries.
create table if not exists task_counts (
  status text not null,
  priority smallint not null,
  n bigint not null,
  primary key (status, priority)
);

create table if not exists task_rank_log (
  seq bigint generated always as identity primary key,
  delta smallint not null,
  task_id bigint not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  due_at timestamptz,
  priority smallint not null,
  title text collate "C" not null,
  status text not null
);

create table if not exists task_fences (
  sort_key text not null,
  rank bigint not null,
  task_id bigint not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  due_at timestamptz,
  priority smallint not null,
  title text collate "C" not null,
  status text not null,
  primary key (sort_key, rank)
);

create table if not exists task_fence_builds (
  sort_key text primary key,
  built_at timestamptz not null,
  row_count bigint not null
);

create or replace function tasks_after_insert() returns trigger language plpgsql as $$
begin
  insert into task_counts (status, priority, n)
    select status, priority, count(*) from new_rows group by 1, 2
  on conflict (status, priority) do update set n = task_counts.n + excluded.n;
  insert into task_rank_log (delta, task_id, created_at, updated_at, due_at, priority, title, status)
    select 1, id, created_at, updated_at, due_at, priority, title, status from new_rows;
  return null;
end $$;

create or replace function tasks_after_delete() returns trigger language plpgsql as $$
begin
  update task_counts c set n = c.n - d.n
    from (select status, priority, count(*) as n from old_rows group by 1, 2) d
    where c.status = d.status and c.priority = d.priority;
  insert into task_rank_log (delta, task_id, created_at, updated_at, due_at, priority, title, status)
    select -1, id, created_at, updated_at, due_at, priority, title, status from old_rows;
  return null;
end $$;

create or replace function tasks_after_update() returns trigger language plpgsql as $$
begin
  -- Counts move only when status or priority changed.
  with moved as (
    select status, priority, -count(*) as n from old_rows group by 1, 2
    union all
    select status, priority, count(*) from new_rows group by 1, 2
  ), net as (
    select status, priority, sum(n)::bigint as n from moved group by 1, 2 having sum(n) <> 0
  )
  insert into task_counts (status, priority, n) select status, priority, n from net
  on conflict (status, priority) do update set n = task_counts.n + excluded.n;
  -- Every update changes updated_at, so the row moves in at least that ordering.
  insert into task_rank_log (delta, task_id, created_at, updated_at, due_at, priority, title, status)
    select -1, id, created_at, updated_at, due_at, priority, title, status from old_rows
    union all
    select 1, id, created_at, updated_at, due_at, priority, title, status from new_rows;
  return null;
end $$;

create or replace function tasks_after_truncate() returns trigger language plpgsql as $$
begin
  delete from task_counts;
  delete from task_rank_log;
  delete from task_fences;
  delete from task_fence_builds;
  return null;
end $$;

drop trigger if exists tasks_counts_insert on tasks;
create trigger tasks_counts_insert after insert on tasks
  referencing new table as new_rows for each statement execute function tasks_after_insert();
drop trigger if exists tasks_counts_delete on tasks;
create trigger tasks_counts_delete after delete on tasks
  referencing old table as old_rows for each statement execute function tasks_after_delete();
drop trigger if exists tasks_counts_update on tasks;
create trigger tasks_counts_update after update on tasks
  referencing old table as old_rows new table as new_rows for each statement execute function tasks_after_update();
drop trigger if exists tasks_counts_truncate on tasks;
create trigger tasks_counts_truncate after truncate on tasks
  for each statement execute function tasks_after_truncate();

create table if not exists idempotency_keys (
  key text primary key,
  request_hash text not null,
  task_id bigint,
  response text,
  created_at timestamptz not null default now()
);
