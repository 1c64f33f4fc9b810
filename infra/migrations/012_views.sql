-- Issue 16: saved views, a named grid state per actor (the list query as the URL holds it, and the
-- columns). A shared view is readable by anyone signed in who has its id; only its owner (or an
-- admin) changes or deletes it.
create table if not exists saved_views (
  id uuid primary key default gen_random_uuid(),
  owner_id text not null,
  owner_name text not null,
  name text not null check (char_length(name) between 1 and 100),
  shared boolean not null default false,
  query jsonb not null default '{}'::jsonb,
  columns jsonb not null default '[]'::jsonb,
  version int not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (owner_id, name)
);
