# One image for every role; the command picks it: `api`, `worker`, or any `usage-stats` CLI
# subcommand (e.g. `replay --from ...`, `topics`, `migrate`).
# Node.js 22 LTS (20 reached end of life on 2026-04-30); the code also runs on 20 and 24.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Strict: a lockfile that npm ci refuses fails the build instead of being silently re-resolved.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
RUN npx tsc -p tsconfig.build.json && npx tsc-alias -p tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and only readable by the app's user: the process cannot rewrite its own code.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
COPY config config
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# The image's `node` user by number, so runtimes that enforce runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080 8081 9090
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["api"]
