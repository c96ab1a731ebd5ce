# syntax=docker/dockerfile:1
# The Staircase worker and watcher image: `docker run IMAGE worker` or `docker run IMAGE watcher`. It runs the
# compiled CLI; the operator module comes from STAIRCASE_OPERATOR (the website example here: for your own operator,
# build FROM this image, copy your module in and set STAIRCASE_OPERATOR).
# glibc (Debian) base: the Temporal SDK's native module does not support musl.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY examples examples
COPY scripts/bundle-workflows.ts scripts/
RUN npm run build
# The workflow code is bundled now, so workers start without webpack.
RUN npx tsx --conditions=staircase-source scripts/bundle-workflows.ts /app/workflow-bundle.js
# zod and the Kubernetes client are peer dependencies (devDependencies of this repository): pin the tested versions.
RUN node -p "const p = require('./package-lock.json').packages; ['zod', '@kubernetes/client-node'].map((n) => n + '@' + p['node_modules/' + n].version).join(' ')" > peers.txt

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    STAIRCASE_WORKFLOW_BUNDLE=/app/workflow-bundle.js \
    STAIRCASE_OPERATOR=/app/examples/website/operator.ts
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/peers.txt ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm install --no-save --omit=dev --no-audit --no-fund $(cat peers.txt) \
 && npm cache clean --force
COPY --from=build /app/workflow-bundle.js ./
COPY --from=build /app/dist dist
COPY examples examples
USER 10001:10001
EXPOSE 8080 9464
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["worker", "--metrics-port", "9464", "--health-port", "8080"]
