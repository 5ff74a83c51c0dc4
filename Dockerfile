# Wardwatch service image (Node 24).
#   docker build -t wardwatch .
#   docker run -p 3000:3000 -v wardwatch-data:/data --env-file wardwatch.env wardwatch
# The store lives on the /data volume (SQLite), or in PostgreSQL for replicas:
#   docker run ... -e WARDWATCH_DATABASE_URL=postgres://user:password@db:5432/wardwatch wardwatch
# Fixtures are loaded only when asked:
#   docker run ... -e WARDWATCH_FIXTURES=first-start wardwatch   (demo data on first start)
#   docker run ... wardwatch ingest /data/incoming               (real files)
# Inside a container the server must bind 0.0.0.0 to be reachable. That exposes the local channel page,
# so either give it a token (WARDWATCH_LOCAL_TOKEN, 16+ characters) or switch it off for a Slack-only
# service (WARDWATCH_LOCAL_PAGE=off, the default here): /healthz and /slack/events still answer.

ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# --- build: full install, typecheck (the service runs the TypeScript sources through tsx) ---
FROM ${NODE_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json vitest.config.ts ./
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY alerts ./alerts
COPY bench ./bench
COPY test ./test
# test/ and bench/ import the throwaway-PostgreSQL helper from tools/pg: without it tsc cannot resolve them
COPY tools ./tools
RUN npx tsc --noEmit

# --- prod-deps: production dependencies only, native modules built for this base image ---
FROM ${NODE_IMAGE} AS prod-deps
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

# --- final ---
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    WARDWATCH_DB=/data/wardwatch.sqlite \
    WARDWATCH_CONFIG=/app/wardwatch.config.yaml \
    WARDWATCH_FIXTURES=never \
    WARDWATCH_HOST=0.0.0.0 \
    WARDWATCH_LOCAL_PAGE=off \
    PORT=3000
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json package-lock.json .npmrc tsconfig.json wardwatch.config.yaml slack-manifest.yaml ./
# the sources from the build stage: the typechecked ones (and BuildKit skips a stage nothing copies from)
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
COPY --from=build /app/commands ./commands
COPY --from=build /app/alerts ./alerts
COPY fixtures ./fixtures
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/wardwatch.js"]
CMD ["serve"]
