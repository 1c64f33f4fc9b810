# syntax=docker/dockerfile:1
# Stand-in for the official postgres image where no registry is reachable: Debian's PostgreSQL (15
# on bookworm, with pg_trgm) on the locally made base, honouring the contract docker-compose.yml
# relies on: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, scripts in
# /docker-entrypoint-initdb.d run once on an empty data directory, port 5432, pg_isready, and
# `postgres -c ...` as the command.
ARG BASE_IMAGE=localhost/bookworm-base
FROM ${BASE_IMAGE}
# Debian's package would create and start a cluster of its own at install; the entrypoint makes one.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
  && echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/no-main.conf \
  && apt-get update \
  && apt-get install -y --no-install-recommends postgresql-15 \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /var/lib/postgresql/data /docker-entrypoint-initdb.d /var/run/postgresql \
  && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
  && chmod 700 /var/lib/postgresql/data
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
  PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
