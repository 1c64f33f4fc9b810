-- Each seed chunk records how many rows of each (status, priority) it generated, so a load's totals
-- are summed from its chunks instead of counted with a scan of the staging table.
alter table seed_load_chunks add column if not exists counts jsonb;
