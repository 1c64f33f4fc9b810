-- Issue 14: who changed what. An append-only audit log, written by the same statement (and so the
-- same transaction) as the change it records (functions/src/audit/sql.ts). The actor arrives as a
-- query parameter, never as a session setting: SET / set_config pin connections behind RDS Proxy.
--
-- Partitioned by month on `at`, so retention is dropping a whole old partition (by the owner, not
-- the application) and a history read touches only the months it pages through. A default
-- partition catches anything no monthly partition covers; `audit_log_ensure_partitions` (run by
-- this migration and by every `maintain` run) creates the coming months ahead of time.
--
-- Append-only is enforced in the database: triggers refuse UPDATE, DELETE and TRUNCATE for every
-- role (superusers included, unless they disable the triggers on purpose), and the documented
-- application role `million_tasks_app` is granted only SELECT and INSERT on it.
-- Issue 11 holds migration 008; this is 009.
create table if not exists audit_log (
  id bigint generated always as identity,
  at timestamptz not null default clock_timestamp(),
  actor_id text not null,
  actor_name text not null,
  actor_role text not null check (actor_role in ('viewer', 'editor', 'admin', 'system')),
  action text not null check (action in ('task.create', 'task.update', 'task.delete', 'tasks.seed', 'tasks.bulk')),
  task_id bigint,
  -- { field: { "from": before, "to": after } } for the fields that changed; a summary's facts for seeds.
  changes jsonb not null default '{}'::jsonb,
  version integer,
  request_id text,
  client_ip text,
  user_agent text,
  primary key (at, id)
) partition by range (at);

create table if not exists audit_log_default partition of audit_log default;

-- History of one task, newest first; the admin view, newest first, by actor or by action.
create index if not exists audit_log_task_idx on audit_log (task_id, at desc, id desc) where task_id is not null;
create index if not exists audit_log_at_idx on audit_log (at desc, id desc);
create index if not exists audit_log_actor_idx on audit_log (actor_id, at desc, id desc);
create index if not exists audit_log_action_idx on audit_log (action, at desc, id desc);

-- The fields that differ between two renderings of a task (its API JSON), as
-- { field: { "from": before, "to": after } }; a missing side (create, delete) counts as null, and
-- the bookkeeping fields (id, createdAt, updatedAt, version) are not changes anyone made.
create or replace function audit_changes(p_before jsonb, p_after jsonb) returns jsonb
language sql immutable parallel safe as $$
  select coalesce(jsonb_object_agg(k, jsonb_build_object(
           'from', coalesce(p_before -> k, 'null'::jsonb), 'to', coalesce(p_after -> k, 'null'::jsonb))), '{}'::jsonb)
  from (select jsonb_object_keys(coalesce(p_before, '{}'::jsonb)) as k
        union select jsonb_object_keys(coalesce(p_after, '{}'::jsonb))) keys
  where k not in ('id', 'createdAt', 'updatedAt', 'version')
    and coalesce(p_before -> k, 'null'::jsonb) is distinct from coalesce(p_after -> k, 'null'::jsonb)
$$;

create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege';
end $$;

-- Row triggers on a partitioned table are cloned onto every partition, present and future.
drop trigger if exists audit_log_no_update on audit_log;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_refuse_change();

-- TRUNCATE triggers are not cloned, and a partition can be truncated by name: each gets its own.
create or replace function audit_log_protect_partition(p_table regclass) returns void language plpgsql as $$
begin
  execute format('drop trigger if exists audit_log_no_truncate on %s', p_table);
  execute format(
    'create trigger audit_log_no_truncate before truncate on %s for each statement execute function audit_log_refuse_change()',
    p_table);
end $$;

select audit_log_protect_partition('audit_log');
select audit_log_protect_partition('audit_log_default');

/**
 * Creates the monthly partitions from this month to `p_months` ahead. A month whose rows already
 * sit in the default partition is skipped (PostgreSQL refuses to attach it); those rows stay
 * readable there. Returns the partitions it created.
 */
create or replace function audit_log_ensure_partitions(p_months integer default 3) returns setof text
language plpgsql as $$
declare
  v_month date := date_trunc('month', now() at time zone 'utc')::date;
  v_name text;
begin
  for i in 0..p_months loop
    v_name := 'audit_log_' || to_char(v_month, 'YYYY_MM');
    if to_regclass(v_name) is null then
      begin
        execute format(
          'create table %I partition of audit_log for values from (%L) to (%L)',
          v_name, (v_month::timestamp at time zone 'utc'), ((v_month + interval '1 month')::timestamp at time zone 'utc'));
        perform audit_log_protect_partition(v_name::regclass);
        return next v_name;
      exception when check_violation then
        -- rows for this month are already in the default partition
        null;
      end;
    end if;
    v_month := (v_month + interval '1 month')::date;
  end loop;
end $$;

select audit_log_ensure_partitions(3);

-- The application's role, for deployments that connect as something other than the owner (the
-- local stack connects as the owner, where the triggers above are what holds). NOLOGIN: a login
-- role is granted membership in it. Roles are cluster-wide, so creating it tolerates a twin.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'million_tasks_app') then
    create role million_tasks_app nologin;
  end if;
exception when duplicate_object or unique_violation then
  null;
end $$;
grant select, insert, update, delete on tasks, idempotency_keys to million_tasks_app;
grant select, insert on audit_log to million_tasks_app;
revoke update, delete, truncate on audit_log from million_tasks_app;
revoke update, delete, truncate on audit_log from public;

-- Idempotency keys are per actor: two people who happen to pick the same key do not see each
-- other's task. Existing keys (from before identities) belong to no one ('').
alter table idempotency_keys add column if not exists actor_id text not null default '';
alter table idempotency_keys drop constraint if exists idempotency_keys_pkey;
alter table idempotency_keys add primary key (actor_id, key);
