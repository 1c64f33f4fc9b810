-- Issue 11, finding 4: the cache belongs to one database. This row is a random identity kept in the
-- database itself; the cache names every key space after it (functions/src/platform/database-identity.ts),
-- so a second database, a restored dump or a recreated volume behind the same Redis never reads the
-- other's entries. A replacing seed rotates it in the transaction that swaps the table in, and
-- keeps the one it replaced so the cache can retire that key space for processes still using it.
-- (009 is taken by issue 14's audit log.)
create table if not exists cache_identity (
  singleton boolean primary key default true check (singleton),
  token text not null default gen_random_uuid()::text,
  previous_token text,
  rotated_at timestamptz not null default now()
);
insert into cache_identity default values on conflict do nothing;

-- Idempotency keys are kept for a day (IDEMPOTENCY_KEY_TTL_HOURS); maintain purges older ones in
-- created_at order.
create index if not exists idempotency_keys_created_at_idx on idempotency_keys (created_at);
