# One image for every node; SERVICES picks what a container runs. No build step: Node 24 runs the .ts sources.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
USER node
CMD ["node", "bin/node.ts"]
