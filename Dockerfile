# syntax=docker/dockerfile:1
#
# Production image of the Interaction API. See docs/deployment.md.
#
#   docker build -t ims .
#   docker run -p 3000:3000 -e DATABASE_URL=postgres://... -e JWT_PRIVATE_KEY=... -e JWT_PUBLIC_KEY=... ims
#
# The container needs an external PostgreSQL 14+ (DATABASE_URL): the embedded server used in
# development must run as root (it creates its own `postgres` OS user), and this image runs as
# the unprivileged `node` user.

# Node 24, the active LTS line (Node 20 reached its end of life in April 2026). CI runs the test
# suite on Node 24 and on Node 20.19, the minimum for development (docs/deployment.md, "Runtime").
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- toolchain: npm 11 (honours package.json "allowScripts") and what node-gyp needs ----------
# argon2's approved install script (node-gyp-build) loads its prebuilt binary on Node 24; its
# prebuilds declare N-API 10, which Node 20 lacks, so an image built with NODE_IMAGE=node:20-…
# compiles it from source here.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/* \
 && npm install -g npm@11.19.1 \
 && npm cache clean --force
# Node's headers ship in the image; without this node-gyp would download them.
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /app

# ---- production dependencies only --------------------------------------------------------------
# --omit=optional drops the embedded PostgreSQL binaries (@embedded-postgres/<platform>, ~60 MB):
# the app loads that package only when DATABASE_URL is absent, which the entrypoint refuses.
FROM toolchain AS deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional \
 && node -e "require('argon2').hash('probe').then(() => console.log('argon2 loads'))" \
 && npm cache clean --force

# ---- compile TypeScript -> dist/ ---------------------------------------------------------------
FROM toolchain AS build
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
RUN npm run build

# ---- runtime -----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# NODE_ENV=production: the app refuses to start without DATABASE_URL, JWT keys and METRICS_TOKEN
# (or METRICS_ENABLED=false), instead of falling back to development defaults.
# MALLOC_MMAP_THRESHOLD_: every argon2id verification allocates 19 MiB; glibc otherwise raises its
# mmap threshold after the first and keeps such blocks in its heap, +60 MB of RSS after a few
# logins (docs/performance.md). Fixed, they go back to the kernel when freed (login +10 ms).
# MALLOC_ARENA_MAX: glibc gives each thread that allocates (V8's compiler and GC helpers, libuv's
# pool) an arena of its own, up to 8 per core, and freed memory stays in them: two arenas took
# about 50 MB off the peak RSS of the write and login loads (docs/performance.md).
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --chown=root:root package.json package-lock.json ./
COPY --chown=root:root --from=deps /app/node_modules ./node_modules
COPY --chown=root:root --from=build /app/dist ./dist
# Code stays root-owned and read-only to the app, which writes nothing to disk in production.
USER node
EXPOSE 3000

# No curl in slim images: node does the probe. Ready = the process serves and the database answers.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1)).setTimeout(4000, () => process.exit(1))"]

# node is PID 1 and receives SIGTERM itself; the app drains and exits on SIGTERM/SIGINT. The heap
# cap keeps V8 collecting early: without it, on a large host, old space grows to ~180 MB before a
# full GC and RSS passes 300 MB under load (docs/performance.md).
CMD ["node", "--max-old-space-size=1024", "dist/src/main.js"]
