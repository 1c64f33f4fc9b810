# syntax=docker/dockerfile:1
# The built site (Astro, static) on :4321, served by scripts/serve-static.mts (Node built-ins only).
# Build from the repository root: docker build -f infra/docker/web.Dockerfile .
# PUBLIC_API_URL and PUBLIC_WS_URL are baked into the site at build time: where browsers reach the
# functions and their WebSocket. NODE_IMAGE builds, NODE_RUNTIME_IMAGE serves (official images by
# default; the container test passes a stand-in built from Debian's packages and the npm registry).
ARG NODE_IMAGE=node:24-bookworm-slim
ARG NODE_RUNTIME_IMAGE=node:24-alpine

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY contract ./contract
COPY web ./web
ARG PUBLIC_API_URL=http://localhost:3000
ARG PUBLIC_WS_URL=ws://localhost:3001
ENV PUBLIC_API_URL=${PUBLIC_API_URL} \
  PUBLIC_WS_URL=${PUBLIC_WS_URL} \
  ASTRO_TELEMETRY_DISABLED=1
RUN npm run build

FROM ${NODE_RUNTIME_IMAGE}
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=4321
WORKDIR /app
COPY --from=build /app/web/dist ./web/dist
COPY scripts/serve-static.mts ./scripts/serve-static.mts
USER node
EXPOSE 4321
CMD ["node", "scripts/serve-static.mts"]
