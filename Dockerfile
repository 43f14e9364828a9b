# One image for every role; the command picks it: `api`, `worker`, or any `usage-stats` CLI
# subcommand (e.g. `replay --from ...`, `topics`, `migrate`).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
RUN npx tsc -p tsconfig.build.json && npx tsc-alias -p tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
COPY config config
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER node
EXPOSE 8080 8081 9090
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["api"]
