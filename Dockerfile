# syntax=docker/dockerfile:1
# The ledger's container image: a build stage with the C++ tool chain better-sqlite3 may need, and a runtime
# stage with only the compiled app, its production dependencies and the demo plans, run as the unprivileged
# `node` user with every file it writes on the /data volume. Build: docker build -t safeguarding-ledger .
# Run: docker compose up (docker-compose.yml; docs/operations.md, "Containers").
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary matches (or none can be downloaded).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY packages ./packages
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    LEDGER_HOST=0.0.0.0 \
    LEDGER_PORT=3000 \
    LEDGER_DB_PATH=/data/ledger.sqlite \
    LEDGER_EVIDENCE_DIR=/data/evidence \
    LEDGER_SIGNING_KEY_DIR=/data/keys \
    LEDGER_DEMO=false
WORKDIR /app
# Owned by root and not writable by the app: the code cannot be changed by the process that runs it.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The web pages' templates and assets, and the verifier's browser build that the verify page serves.
COPY --from=build /app/apps/api/src/web/views ./apps/api/src/web/views
COPY --from=build /app/apps/api/src/web/assets ./apps/api/src/web/assets
COPY --from=build /app/packages/bundle-verifier/dist ./packages/bundle-verifier/dist
COPY bin ./bin
COPY demo ./demo
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.LEDGER_PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The API bundled into one file with its V8 code cache by `npm run build` (apps/api/build.mjs): a start takes a
# third of the CPU time of the unbundled dist/apps/api/src/main.js (docs/architecture.md).
CMD ["node", "dist/api/main.js"]
