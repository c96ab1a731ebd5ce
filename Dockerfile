# syntax=docker/dockerfile:1
# The Staircase worker and watcher image: `docker run IMAGE worker` or `docker run IMAGE watcher`.
# glibc (Debian) base: the Temporal SDK's native module does not support musl.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY examples examples
COPY scripts/bundle-workflows.ts scripts/
# The workflow code is bundled now, so workers start without webpack.
RUN npx tsx scripts/bundle-workflows.ts /app/workflow-bundle.js

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    STAIRCASE_WORKFLOW_BUNDLE=/app/workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/workflow-bundle.js ./
COPY src src
COPY examples examples
USER 10001:10001
EXPOSE 8080 9464
ENTRYPOINT ["node", "--import", "tsx", "src/cli/main.ts"]
CMD ["worker", "--metrics-port", "9464"]
