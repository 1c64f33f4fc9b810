#!/bin/sh
# The functions container's command; functions/test/deploy/containers.test.ts runs this very file
# natively. Applies migrations newer than the database (a no-op when db-init already did), then
# serves the functions in-process (see README: the runtime mode was chosen by benchmark).
set -eu
cd "$(dirname "$0")/../.."
node_modules/.bin/tsx scripts/migrate.ts
exec node_modules/.bin/serverless offline start --host "${OFFLINE_HOST:-0.0.0.0}" --useInProcess
