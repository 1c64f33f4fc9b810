-- Issue 16: a bulk job works its selection in lanes (JOB_LANES, two by default), each a contiguous
-- id range walked in keyset chunks on a connection of its own, so the chunks' index upkeep uses
-- both cores. lane_until[k] is lane k's last id, fixed at the job's first attempt from the
-- selection's own quantiles; lane_after[k] is the last id lane k committed (the chunk and its
-- position in one transaction, as cursor_id is for a job of one lane), where a retry goes on.
alter table jobs add column if not exists lane_after int8[];
alter table jobs add column if not exists lane_until int8[];
