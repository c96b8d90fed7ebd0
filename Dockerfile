# One image for every node; SERVICES picks what a container runs. No build step for the services:
# Node 24 runs the .ts sources. The single-page apps are built in a stage of their own (Vite and
# React are development dependencies) and only their dist/ is copied in.
FROM node:24-slim AS frontends
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
COPY --from=frontends /app/frontend/web/dist frontend/web/dist
USER node
CMD ["node", "bin/node.ts"]
