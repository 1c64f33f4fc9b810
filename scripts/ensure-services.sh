#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis named by DATABASE_URL / REDIS_URL (default: the local
# servers) answer. Local servers that are down are started with Debian's tools; anything that still
# does not answer is an error, never a skip.
set -euo pipefail
db_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis_url=${REDIS_URL:-redis://127.0.0.1:6379}

pg_up() { pg_isready -q -d "$db_url" 2>/dev/null; }
redis_up() { [ "$(redis-cli -u "$redis_url" ping 2>/dev/null)" = "PONG" ]; }
wait_for() { for _ in $(seq 1 30); do "$1" && return 0; sleep 1; done; return 1; }

if ! pg_up; then
  echo "PostgreSQL is not answering at $db_url; starting the local cluster"
  if command -v pg_ctlcluster >/dev/null; then
    for version in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
  fi
  wait_for pg_up || { echo "PostgreSQL could not be reached at $db_url" >&2; exit 1; }
fi
echo "PostgreSQL: up ($db_url)"

if ! redis_up; then
  echo "Redis is not answering at $redis_url; starting a local redis-server"
  if command -v redis-server >/dev/null; then
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  wait_for redis_up || { echo "Redis could not be reached at $redis_url" >&2; exit 1; }
fi
echo "Redis: up ($redis_url)"
