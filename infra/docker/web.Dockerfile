# syntax=docker/dockerfile:1
# The built site (Astro, static) on :4321, served by scripts/serve-static.mts (Node built-ins only).
# Build from the repository root: docker build -f infra/docker/web.Dockerfile .
# PUBLIC_API_URL is baked into the site at build time: where browsers reach the functions.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY contract ./contract
COPY web ./web
ARG PUBLIC_API_URL=http://localhost:3000
ENV PUBLIC_API_URL=${PUBLIC_API_URL} \
  ASTRO_TELEMETRY_DISABLED=1
RUN npm run build

FROM node:24-alpine
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=4321
WORKDIR /app
COPY --from=build /app/web/dist ./web/dist
COPY scripts/serve-static.mts ./scripts/serve-static.mts
USER node
EXPOSE 4321
CMD ["node", "scripts/serve-static.mts"]
