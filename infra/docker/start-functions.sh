#!/bin/sh
# The functions container's command; functions/test/deploy/containers.test.ts runs this very file
# natively. Applies migrations newer than the database (a no-op when db-init already did), then
# serves the functions in-process (see README: the runtime mode was chosen by benchmark).
set -eu
cd "$(dirname "$0")/../.."
# The database may still be initialising: podman-compose 1.0 starts services in dependency order
# without waiting for health, and even docker compose only waits for pg_isready, which answers
# before the first-start scripts are over. Retry for up to a minute rather than crash-loop.
attempt=1
until node_modules/.bin/tsx scripts/migrate.ts; do
  if [ "$attempt" -ge "${MIGRATE_ATTEMPTS:-30}" ]; then
    echo "migrations failed $attempt times; giving up" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done
exec node_modules/.bin/serverless offline start --host "${OFFLINE_HOST:-0.0.0.0}" --useInProcess
