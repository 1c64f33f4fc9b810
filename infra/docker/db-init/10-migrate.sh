#!/bin/sh
# The db container's first start: postgres:17 runs every script in /docker-entrypoint-initdb.d once,
# when its data volume is empty. This applies infra/migrations (mounted at /migrations) in order,
# each in one transaction, and records name and sha256 in schema_migrations exactly as
# functions/src/platform/migrations.ts does, so a later `npm run db:migrate` skips them and applies only
# newer files. Idempotent. Natively: PGHOST=... POSTGRES_USER=... POSTGRES_DB=... MIGRATIONS_DIR=...
set -eu

dir="${MIGRATIONS_DIR:-/migrations}"

run_psql() {
  psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" "$@"
}

run_psql <<'SQL'
create table if not exists schema_migrations (
  name text primary key, checksum text not null, applied_at timestamptz not null default now());
SQL

for file in "$dir"/[0-9]*_*.sql; do
  [ -f "$file" ] || continue
  name=$(basename "$file")
  checksum=$(sha256sum "$file" | cut -d ' ' -f 1)
  recorded=$(echo "select checksum from schema_migrations where name = :'name'" | run_psql -t -A -v name="$name")
  if [ -n "$recorded" ]; then
    if [ "$recorded" != "$checksum" ]; then
      echo "Migration $name was edited after it was applied; add a new migration instead" >&2
      exit 1
    fi
    continue
  fi
  echo "insert into schema_migrations (name, checksum) values (:'name', :'checksum')" |
    run_psql --single-transaction -v name="$name" -v checksum="$checksum" -f "$file" -f -
  echo "applied $name"
done
