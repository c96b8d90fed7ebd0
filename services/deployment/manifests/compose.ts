/**
 * A docker-compose file from a topology: NATS, PostgreSQL 15 and Redis, one compose service per
 * platform service with its replicas (`deploy.replicas`), and nginx in front of the gateways with
 * deploy/nginx.conf (TLS from ./deploy/certs, made by `npm run deploy -- dev-cert`). Compose's DNS
 * answers every gateway replica's address, and nginx balances over them.
 */
import type { ServiceTarget } from "../deployment.contract.ts";
import { GATEWAY_PORT, PROBE_PORT } from "./kubernetes.ts";

const probeCommand = (port: number) => ["CMD", "node", "-e", `fetch('http://127.0.0.1:${port}/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`];

export function composeFile(services: Record<string, ServiceTarget>, version: string, image = "openpolicy-platform"): Record<string, unknown> {
	const infrastructure = {
		nats: { image: "nats:2.10", command: ["-js", "-sd", "/data"], volumes: ["nats-data:/data"] },
		postgres: {
			image: "postgres:15",
			environment: { POSTGRES_USER: "openpolicy", POSTGRES_PASSWORD: "openpolicy", POSTGRES_DB: "openpolicy" },
			volumes: ["pg-data:/var/lib/postgresql/data"],
			healthcheck: { test: ["CMD-SHELL", "pg_isready -U openpolicy"], interval: "2s", retries: 30 }
		},
		redis: { image: "redis:7", command: ["redis-server", "--save", "", "--appendonly", "no"] }
	};
	const nodes = Object.fromEntries(
		Object.entries(services).map(([service, target]) => {
			const gateway = service === "gateway";
			const port = gateway ? GATEWAY_PORT : PROBE_PORT;
			return [
				service,
				{
					build: ".",
					image: `${image}:${target.version ?? version}`,
					restart: "unless-stopped",
					// The drain needs its time before compose sends SIGKILL (Kubernetes: terminationGracePeriodSeconds).
					stop_grace_period: "30s",
					deploy: { replicas: target.replicas },
					environment: {
						NODE_ENV: "production",
						TRANSPORTER: "nats://nats:4222",
						NAMESPACE: "openpolicy",
						DATABASE_URL: "postgres://openpolicy:openpolicy@postgres:5432/openpolicy",
						REDIS_URL: "redis://redis:6379",
						JWT_SECRET: "${JWT_SECRET:?set JWT_SECRET to at least 32 random characters}",
						SERVICES: service,
						APP_VERSION: target.version ?? version,
						...(gateway ? { PORT: String(GATEWAY_PORT), TRUST_PROXY: "1" } : { PROBE_PORT: String(PROBE_PORT) })
					},
					healthcheck: { test: probeCommand(port), interval: "5s", retries: 3 },
					depends_on: { nats: { condition: "service_started" }, postgres: { condition: "service_healthy" }, redis: { condition: "service_started" } }
				}
			];
		})
	);
	const proxy = services.gateway
		? {
				nginx: {
					image: "nginx:1.27",
					ports: ["443:8443", "80:8080"],
					volumes: ["./deploy/nginx.conf:/etc/nginx/nginx.conf:ro", "./deploy/certs:/etc/nginx/certs:ro"],
					depends_on: { gateway: { condition: "service_healthy" } }
				}
			}
		: {};
	return { name: "openpolicy", services: { ...infrastructure, ...nodes, ...proxy }, volumes: { "nats-data": {}, "pg-data": {} } };
}
