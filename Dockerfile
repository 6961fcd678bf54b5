# syntax=docker/dockerfile:1
# timegate-aaa: build with `docker build -t timegate-aaa .`, or run everything with `docker compose up`.
# Commands in a running container: `docker compose exec api npm run cli -- help` (or node dist/src/cli/main.js).
# The image expects DATABASE_URL (without it the service starts an embedded PostgreSQL under /app/.data,
# which only lives as long as the container unless you mount a volume there).

# Node 24: the current LTS. (CI tests on Node 20 and newer; package.json "engines" says >=20.)
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- base ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS base
# Node 24 ships npm 11, which honours package.json "allowScripts": only the listed packages (argon2,
# the embedded PostgreSQL binaries, @swc/core) run install scripts, as on a developer's machine and in CI.
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
WORKDIR /app

# ---- build: all dependencies, compile TypeScript to dist/ ---------------------------------------
FROM base AS build
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and the compiled output only ------------------------------
FROM base AS runtime
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    HOST=0.0.0.0 \
    PORT=3000
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# `npm start`, `npm run cli -- …` and `npm run migration:run` run the compiled code here: their
# pre-script builds only where src/ exists, and the image has dist/ and no TypeScript compiler.
COPY scripts/build-if-needed.mjs ./scripts/
# DATA_DIR (./.data) must be writable by the unprivileged user if the embedded PostgreSQL is used.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
# slim images have no curl: ask Node (global fetch) for the liveness probe.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
