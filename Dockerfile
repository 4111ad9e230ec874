# syntax=docker/dockerfile:1
# XDP MCP Server image: build with the full toolchain, ship only dist/ and production dependencies.
#   docker build -t xdp-mcp-server:latest .
# The lockfile records every platform's DuckDB binding, so linux/amd64 and linux/arm64 images both build.

# Node 22 LTS, pinned to an exact release: bump deliberately (and rebuild) for security updates.
ARG NODE_IMAGE=node:22.20.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# No install-time analytics from dependencies.
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
# nest build, then the server entry bundled into one file (start-up: docs/performance.md).
COPY scripts/bundle-server.mjs scripts/warm-compile-cache.mjs ./scripts/
RUN npm run build
# Starts the built server once (until /health answers) so Node writes its compile cache into
# dist/apps/xdp-mcp-server/compile-cache; the entry copies it into /tmp at start-up, so a new pod
# starts with compiled code. Made here because the cache is only valid for this Node build and these
# /app paths, which the runtime stage shares.
RUN node scripts/warm-compile-cache.mjs

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; no lifecycle scripts (none is needed at runtime).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (so the server drains) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# HOME=/tmp: with a read-only root filesystem /tmp (an emptyDir in Kubernetes) is the only writable path.
# DUCKDB_JE_MALLOC_CONF: DuckDB's allocator hands freed memory back to the system at once instead of
# keeping it mapped, so after a query stopped by DUCKDB_MEMORY_LIMIT_MB the process has its headroom
# back (docs/security.md). Read when the native library loads, hence here and not in the app.
ENV NODE_ENV=production \
    PORT=8080 \
    HOME=/tmp \
    DUCKDB_JE_MALLOC_CONF=retain:false,dirty_decay_ms:0,muzzy_decay_ms:0
WORKDIR /app
# Owned by root and not writable by the runtime user: the app cannot modify its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json maps the `#lib` imports to dist/ and carries the version the server reports.
COPY package.json ./
# The image's `node` user (uid/gid 1000), by number so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/apps/xdp-mcp-server/main.js"]
