#!/bin/sh
# The stand-in postgres image's entrypoint: the official image's contract, in a few lines. On an
# empty data directory: initdb with POSTGRES_USER and POSTGRES_PASSWORD, create POSTGRES_DB, run
# /docker-entrypoint-initdb.d/*.sh and *.sql against a server reachable only on its Unix socket (so
# nothing connects before initialisation ends), stop it; then run the command as `postgres`.
set -eu

if [ "${1:-}" != "postgres" ]; then
  exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  # setpriv execs (runuser would stay as a parent that does not pass SIGINT on).
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?the stand-in, like the official image, needs POSTGRES_PASSWORD}"
  export POSTGRES_USER="${POSTGRES_USER:-postgres}"
  export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  # As the official image: reachable on every interface of the container, by password only.
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  pg_ctl --silent --wait --options="-c listen_addresses=''" start
  if [ "$POSTGRES_DB" != postgres ]; then
    echo 'create database :"db"' |
      psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v db="$POSTGRES_DB"
  fi
  for file in /docker-entrypoint-initdb.d/*; do
    case "$file" in
      *.sh)
        echo "running $file"
        if [ -x "$file" ]; then "$file"; else . "$file"; fi
        ;;
      *.sql)
        echo "running $file"
        psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$file"
        ;;
    esac
  done
  pg_ctl --silent --wait --mode=fast stop
  echo "initialised $PGDATA"
fi

exec "$@"
