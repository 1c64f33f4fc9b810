# syntax=docker/dockerfile:1
# Stand-in for the official redis image where no registry is reachable: Debian's redis-server (7.0
# on bookworm) on the locally made base. Same contract: `redis-server [config] [--option value]` as
# the command, redis-cli for the health check, the `redis` user, /data as the working directory.
ARG BASE_IMAGE=localhost/bookworm-base
FROM ${BASE_IMAGE}
RUN apt-get update \
  && apt-get install -y --no-install-recommends redis-server \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data \
  && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server"]
