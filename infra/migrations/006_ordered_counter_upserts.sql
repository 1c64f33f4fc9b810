-- Concurrent writes deadlocked in the counter triggers: two updates moving tasks between the same
-- two (status, priority) rows locked them in opposite orders. Every counter write now touches its
-- rows in one global order (status, priority), and deletes upsert instead of UPDATE ... FROM, whose
-- row order cannot be set.
create or replace function tasks_after_insert() returns trigger language plpgsql as $$
begin
  insert into task_counts (status, priority, n)
    select status, priority, count(*) from new_rows group by 1, 2 order by 1, 2
  on conflict (status, priority) do update set n = task_counts.n + excluded.n;
  insert into task_rank_log (delta, task_id, created_at, updated_at, due_at, priority, title, status)
    select 1, id, created_at, updated_at, due_at, priority, title, status from new_rows;
  return null;
end $$;

create or replace function tasks_after_delete() returns trigger language plpgsql as $$
begin
  insert into task_counts (status, priority, n)
    select status, priority, -count(*) from old_rows group by 1, 2 order by 1, 2
  on conflict (status, priority) do update set n = task_counts.n + excluded.n;
  insert into task_rank_log (delta, task_id, created_at, updated_at, due_at, priority, title, status)
    select -1, id, created_at, updated_at, due_at, priority, title, status from old_rows;
  return null;
end $$;

create or replace function tasks_after_update() returns trigger language plpgsql as $$
begin
  with moved as (
    select status, priority, -count(*) as n from old_rows group by 1, 2
    union all
    select status, priority, count(*) from new_rows group by 1, 2
  ), net as (
    select status, priority, sum(n)::bigint as n from moved group by 1, 2 having sum(n) <> 0
  )
  insert into task_counts (status, priority, n) select status, priority, n from net order by 1, 2
  on conflict (status, priority) do update set n = task_counts.n + excluded.n;
  insert into task_rank_log (delta, task_id, created_at, updated_at, due_at, priority, title, status)
    select -1, id, created_at, updated_at, due_at, priority, title, status from old_rows
    union all
    select 1, id, created_at, updated_at, due_at, priority, title, status from new_rows;
  return null;
end $$;

create or replace function task_activity_add(p_kind text, p_rows jsonb) returns void language sql as $$
  insert into task_activity (kind, status, shard, n)
    select p_kind, r.status, (txid_current() % 8)::smallint, r.n
      from jsonb_to_recordset(p_rows) as r(status text, n bigint)
     order by r.status
  on conflict (kind, status, shard) do update set n = task_activity.n + excluded.n;
$$;
