-- Tasks and every index a supported ordering or filter needs. Each ordering ends in id so keyset
-- pagination is total; title uses the "C" collation so byte order, not locale rules, decides ties.
create extension if not exists pg_trgm;

create table if not exists tasks (
  id bigint generated always as identity primary key,
  title text collate "C" not null
    check (char_length(title) between 1 and 200 and title = btrim(title)),
  description text not null default '' check (char_length(description) <= 10000),
  status text not null default 'todo' check (status in ('todo', 'in_progress', 'blocked', 'done')),
  -- 0 low, 1 medium, 2 high, 3 urgent: stored as a number so it sorts by urgency
  priority smallint not null default 1 check (priority between 0 and 3),
  assignee text check (assignee is null or char_length(assignee) between 1 and 100),
  tags text[] not null default '{}' check (cardinality(tags) <= 10),
  due_at timestamptz,
  expires_at timestamptz,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  version integer not null default 1 check (version >= 1)
);

create index if not exists tasks_created_at_idx on tasks (created_at, id);
create index if not exists tasks_updated_at_idx on tasks (updated_at, id);
-- A task without a due date sorts as if due at infinity: last ascending, first descending.
create index if not exists tasks_due_at_idx on tasks ((coalesce(due_at, 'infinity'::timestamptz)), id);
create index if not exists tasks_priority_idx on tasks (priority, id);
create index if not exists tasks_title_idx on tasks (title, id);
create index if not exists tasks_status_idx on tasks (status, id);
create index if not exists tasks_assignee_idx on tasks (assignee, created_at, id) where assignee is not null;
create index if not exists tasks_tags_idx on tasks using gin (tags);
create index if not exists tasks_title_trgm_idx on tasks using gin (title gin_trgm_ops);
create index if not exists tasks_expires_at_idx on tasks (expires_at) where expires_at is not null;
