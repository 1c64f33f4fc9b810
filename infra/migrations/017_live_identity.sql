-- Issue 18: the live feed's Redis keys belong to one database, like the cache's (migration 010).
-- Unlike the cache's token this one is never rotated: a replacing seed must not drop connected
-- clients or restart the event numbering (the live feed has its own generation for seeds).
alter table cache_identity add column if not exists live_token text not null default gen_random_uuid()::text;
