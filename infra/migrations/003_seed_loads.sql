-- Bulk seeding. A load fills a staging table in chunks (one invocation each), then either swaps it in
-- for `tasks` (replace) or appends it in one statement (append). Until that last step the live table
-- is untouched, so an aborted or crashed load changes nothing that the API serves.
--
-- Replace builds the staging table's indexes after the data is in (measured on this 2-core box:
-- COPY into a bare table 4 s per 1M rows, into a table with live indexes incl. trigram GIN 58 s),
-- samples its position fences and totals, and only then takes the lock on `tasks` for the swap,
-- which is catalog work plus a few thousand fence rows: the API waits milliseconds, not seconds.
create table if not exists seed_loads (
  load_id text primary key,
  mode text not null check (mode in ('replace', 'append')),
  state text not null default 'loading' check (state in ('loading', 'done', 'aborted')),
  staging text not null,
  count bigint not null check (count >= 0),
  seed bigint not null,
  anchor timestamptz not null,
  chunk_rows integer not null check (chunk_rows > 0),
  -- [{status, priority, n}] of the staging table, taken before the swap
  counts jsonb,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);

create table if not exists seed_load_chunks (
  load_id text not null references seed_loads on delete cascade,
  chunk integer not null,
  rows integer not null,
  loaded_at timestamptz not null default now(),
  primary key (load_id, chunk)
);

-- The live table's indexes (and the constraints they back), rebuilt on the staging table under
-- temporary names and renamed at the swap, so the swap follows whatever the migrations defined.
create table if not exists seed_load_indexes (
  load_id text not null references seed_loads on delete cascade,
  live_name text not null,
  staging_name text not null,
  ddl text not null,
  constraint_name text,
  constraint_type "char",
  built_at timestamptz,
  primary key (load_id, live_name)
);

create table if not exists seed_load_fences (
  load_id text not null references seed_loads on delete cascade,
  sort_key text not null,
  rank bigint not null,
  task_id bigint not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  due_at timestamptz,
  priority smallint not null,
  title text collate "C" not null,
  status text not null,
  primary key (load_id, sort_key, rank)
);

-- Puts a fully built staging table in place of `tasks` in the caller's transaction. Triggers are
-- copied from the live table's catalog (migration 002's counters and rank log keep working on the
-- new table), the identity continues after the highest id, and totals, rank log and fences are
-- replaced by the ones sampled from the staging table. Fails, changing nothing, unless the load is
-- still loading and every index is built; an abort that got there first wins.
create or replace function seed_swap_in(p_load_id text) returns bigint language plpgsql as $$
declare
  v_load seed_loads%rowtype;
  v_triggers text[];
  v_def text;
  v_index record;
  v_sequence text;
  v_max bigint;
begin
  select * into v_load from seed_loads where load_id = p_load_id for update;
  if not found or v_load.state <> 'loading' then
    raise exception 'seed load % is %', p_load_id, coalesce(v_load.state, 'unknown') using errcode = 'P0001';
  end if;
  if exists (select 1 from seed_load_indexes where load_id = p_load_id and built_at is null) then
    raise exception 'seed load % has indexes still to build', p_load_id using errcode = 'P0001';
  end if;
  if v_load.counts is null then
    raise exception 'seed load % has no totals yet', p_load_id using errcode = 'P0001';
  end if;

  lock table tasks in access exclusive mode;
  select coalesce(array_agg(pg_get_triggerdef(oid) order by tgname), '{}') into v_triggers
    from pg_trigger where tgrelid = 'tasks'::regclass and not tgisinternal;
  -- No cascade: a view or foreign key depending on tasks makes the swap fail loudly instead.
  drop table tasks;
  execute format('alter table %I rename to tasks', v_load.staging);

  for v_index in select * from seed_load_indexes where load_id = p_load_id loop
    if v_index.constraint_type = 'p' then
      execute format('alter table tasks add constraint %I primary key using index %I',
                     v_index.constraint_name, v_index.staging_name);
    elsif v_index.constraint_type = 'u' then
      execute format('alter table tasks add constraint %I unique using index %I',
                     v_index.constraint_name, v_index.staging_name);
    end if;
    -- Adding a constraint renames its index to the constraint's name.
    if v_index.constraint_type is null or v_index.constraint_name <> v_index.live_name then
      execute format('alter index %I rename to %I',
                     case when v_index.constraint_type is null then v_index.staging_name
                          else v_index.constraint_name end,
                     v_index.live_name);
    end if;
  end loop;

  v_sequence := pg_get_serial_sequence('tasks', 'id');
  if v_sequence is not null then
    execute format('alter sequence %s rename to tasks_id_seq', v_sequence);
    select max(id) into v_max from tasks;
    perform setval('tasks_id_seq', coalesce(v_max, 0) + 1, false);
  end if;
  foreach v_def in array v_triggers loop
    execute v_def;
  end loop;
  alter table tasks reset (autovacuum_enabled);

  -- DELETE rather than TRUNCATE: readers of these tables are never blocked by the swap.
  delete from task_counts;
  insert into task_counts (status, priority, n)
    select c.status, c.priority, c.n
    from jsonb_to_recordset(v_load.counts) as c(status text, priority smallint, n bigint);
  delete from task_rank_log;
  delete from task_fences;
  insert into task_fences (sort_key, rank, task_id, created_at, updated_at, due_at, priority, title, status)
    select sort_key, rank, task_id, created_at, updated_at, due_at, priority, title, status
    from seed_load_fences where load_id = p_load_id;
  delete from task_fence_builds;
  insert into task_fence_builds (sort_key, built_at, row_count)
    select sort_key, now(), count(*) from seed_load_fences where load_id = p_load_id group by 1;
  delete from seed_load_fences where load_id = p_load_id;
  -- Idempotency keys name tasks of the table that was just replaced.
  delete from idempotency_keys;

  update seed_loads set state = 'done', finished_at = now() where load_id = p_load_id;
  return coalesce(v_max, 0);
end $$;
