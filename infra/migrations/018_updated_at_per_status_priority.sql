-- Issue 16: a bulk edit moves every task it touches to the newest end of updated_at. A filtered
-- "recently updated" page (status todo, newest first) then walked past all of them in
-- tasks_updated_at_idx before finding its first match: after 280,000 done tasks were edited, 118 ms
-- a page, p99 400 ms for other users during and after the job. With this index such a page reads
-- the newest few entries of each (status, priority) pair the filter allows (at most 16) and merges
-- them (tasks/repository.ts, the "per-combination" plan): under 1 ms however the rows bunch.
create index if not exists tasks_status_priority_updated_at_idx
  on tasks (status, priority, updated_at, id) include (expires_at);
