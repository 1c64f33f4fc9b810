-- Activity counters (issue 7): how many tasks were created, updated and deleted, in total and by
-- status (the status a created task got, an updated task ended with, a deleted task had). Kept by
-- statement-level triggers in the writing transaction, so they are exact and durable; the live feed
-- counts the same writes atomically in Redis and reconciles with this table (see live-store.ts).
-- Monotonic: nothing here ever decreases, a truncate (seed) included.
--
-- Spread over 8 shards per (kind, status): every create would otherwise queue on one row lock held
-- until commit (fsync included). Readers sum the shards.
create table if not exists task_activity (
  kind text not null check (kind in ('created', 'updated', 'deleted')),
  status text not null,
  shard smallint not null,
  n bigint not null,
  primary key (kind, status, shard)
);

create or replace function task_activity_add(p_kind text, p_rows jsonb) returns void language sql as $$
  insert into task_activity (kind, status, shard, n)
    select p_kind, r.status, (txid_current() % 8)::smallint, r.n
      from jsonb_to_recordset(p_rows) as r(status text, n bigint)
  on conflict (kind, status, shard) do update set n = task_activity.n + excluded.n;
$$;

create or replace function tasks_activity_insert() returns trigger language plpgsql as $$
begin
  perform task_activity_add('created',
    (select jsonb_agg(jsonb_build_object('status', status, 'n', n))
       from (select status, count(*) as n from new_rows group by 1) s));
  return null;
end $$;

create or replace function tasks_activity_update() returns trigger language plpgsql as $$
begin
  perform task_activity_add('updated',
    (select jsonb_agg(jsonb_build_object('status', status, 'n', n))
       from (select status, count(*) as n from new_rows group by 1) s));
  return null;
end $$;

-- Expired rows removed by the scheduled purge are not user deletes and publish no event.
create or replace function tasks_activity_delete() returns trigger language plpgsql as $$
begin
  perform task_activity_add('deleted',
    (select jsonb_agg(jsonb_build_object('status', status, 'n', n))
       from (select status, count(*) as n from old_rows
              where expires_at is null or expires_at > now() group by 1) s));
  return null;
end $$;

drop trigger if exists tasks_activity_insert on tasks;
create trigger tasks_activity_insert after insert on tasks
  referencing new table as new_rows for each statement execute function tasks_activity_insert();
drop trigger if exists tasks_activity_update on tasks;
create trigger tasks_activity_update after update on tasks
  referencing new table as new_rows for each statement execute function tasks_activity_update();
drop trigger if exists tasks_activity_delete on tasks;
create trigger tasks_activity_delete after delete on tasks
  referencing old table as old_rows for each statement execute function tasks_activity_delete();
