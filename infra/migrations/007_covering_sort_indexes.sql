-- Each ordering's index also carries the columns that filters and search test (title, status,
-- priority, expires_at), so walking an ordering while filtering reads the index alone (an
-- index-only scan) instead of one random heap page per row passed over. Measured at 1,000,000
-- tasks: a search walking 11,000 rows of the default order took 2.6 ms index-only against ~32 ms
-- with heap fetches; "blocked and urgent, by title" walked 19,700 rows in 242 ms with heap fetches.
-- The key columns are unchanged, so every plan and keyset condition that used these indexes still
-- does. Rebuilt under the same names (the seed copies the live table's index definitions).
drop index if exists tasks_created_at_idx;
create index tasks_created_at_idx on tasks (created_at, id) include (title, status, priority, expires_at);
drop index if exists tasks_updated_at_idx;
create index tasks_updated_at_idx on tasks (updated_at, id) include (title, status, priority, expires_at);
drop index if exists tasks_due_at_idx;
-- due_at itself too: PostgreSQL reads an expression index alone only if the expression's column is there.
create index tasks_due_at_idx on tasks ((coalesce(due_at, 'infinity'::timestamptz)), id)
  include (due_at, title, status, priority, expires_at);
drop index if exists tasks_priority_idx;
create index tasks_priority_idx on tasks (priority, id) include (title, status, expires_at);
drop index if exists tasks_title_idx;
create index tasks_title_idx on tasks (title, id) include (status, priority, expires_at);
drop index if exists tasks_status_idx;
create index tasks_status_idx on tasks (status, id) include (title, priority, expires_at);
