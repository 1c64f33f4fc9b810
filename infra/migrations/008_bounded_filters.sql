-- Issue 11: a status and priority combination that matches few tasks (say, done and low) was found
-- by reading every task of that status from tasks_status_idx (12,000 index pages at 600,000 rows);
-- this index finds exactly its matches. Due-date ranges need no index of their own: their filters
-- are stated over tasks_due_at_idx's expression (tasks/query.ts).
create index if not exists tasks_status_priority_idx on tasks (status, priority, id) include (expires_at);
