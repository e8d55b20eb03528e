# Container image for switchboard (used by the Helm chart under helm/).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY schemas ./schemas
COPY scripts ./scripts
COPY src ./src
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json external-mcp-servers.yaml ./
# Listens on every interface, so clients need SWITCHBOARD_API_KEY (see the file); mount your own config to change it.
COPY examples/container.yaml ./switchboard.yaml
COPY schemas ./schemas
USER node
EXPOSE 8080
# A smaller young generation (V8's default is 16 MB per semi-space): about 15 MB less resident under load at the
# same throughput (docs/performance.md, issue 17 third step).
ENTRYPOINT ["node", "--max-semi-space-size=8", "/app/dist/cli.js"]
CMD ["serve", "--config", "/app/switchboard.yaml"]
