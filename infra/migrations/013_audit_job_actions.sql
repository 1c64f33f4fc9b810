-- Issue 16: imports (one summary row per job, like bulk edits) and saved views are audited too.
alter table audit_log drop constraint if exists audit_log_action_check;
alter table audit_log add constraint audit_log_action_check check (action in (
  'task.create', 'task.update', 'task.delete', 'tasks.seed', 'tasks.bulk', 'tasks.import',
  'view.create', 'view.update', 'view.delete'));
