/**
 * One node of the gateway benchmark, run as a child process (closer to production than sharing
 * the parent's event loop). `node bench/nodes/gateway-bench-node.ts gateway|worker`; the parent
 * passes NAMESPACE, TRANSPORTER and NODE_ID, and learns the HTTP port from an IPC message.
 *
 * BENCH_BROKER=platform: the platform's broker configuration (metrics and tracing on);
 *   BENCH_WITHOUT=metrics,tracing,... turns parts off to show what each costs.
 * BENCH_BROKER=bare: a stock ServiceBroker, metrics and tracing off, logger off so the baseline
 *   is not slowed by writing logs.
 * BENCH_WEB=platform: the platform's gateway service; bare: moleculer-web with default settings.
 */
import type { BrokerOptions } from "moleculer";
import { ServiceBroker } from "moleculer";
import ApiGateway from "moleculer-web";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { loadEnv } from "../../runtime/env.ts";
import { edgeServerOf } from "../../gateway/edge-server.ts";
import { GatewayService } from "../../gateway/gateway.service.ts";
import { benchService } from "./bench-service.ts";

export type BenchRole = "gateway" | "worker";

/** What BENCH_WITHOUT (a comma list) can turn off in the platform's options, to find what costs. */
const WITHOUT: Record<string, (o: BrokerOptions) => void> = {
	metrics: (o) => void (o.metrics = { enabled: false }),
	tracing: (o) => void (o.tracing = { enabled: false }),
	timeout: (o) => void (o.requestTimeout = 0),
	bulkhead: (o) => void (o.bulkhead = { enabled: false }),
	circuitBreaker: (o) => void (o.circuitBreaker = { enabled: false }),
	tracking: (o) => void (o.tracking = { enabled: false }),
	validator: (o) => void (o.validator = false),
	logger: (o) => void (o.logger = false),
	// Moleculer's own Metrics and Tracing middlewares instead of the platform's lean ones.
	lean: (o) => {
		o.internalMiddlewares = true;
		o.middlewares = (o.middlewares ?? []).filter((m) => typeof m !== "string" && m.name === "PayloadGuard");
	},
	discoverer: (o) => {
		o.registry = { ...o.registry, discoverer: "Local" };
		o.heartbeatInterval = 10;
		o.heartbeatTimeout = 30;
	}
};

function platformBroker(): ServiceBroker {
	const options = createBrokerOptions(loadEnv());
	const without = (process.env.BENCH_WITHOUT ?? "").split(",").filter((name) => name.length > 0);
	for (const name of without) {
		const turnOff = WITHOUT[name];
		if (!turnOff) throw new Error(`BENCH_WITHOUT: unknown "${name}"; known: ${Object.keys(WITHOUT).join(", ")}`);
		turnOff(options);
	}
	return new ServiceBroker(options);
}

function bareBroker(): ServiceBroker {
	const url = process.env.TRANSPORTER ?? "nats://127.0.0.1:4222";
	return new ServiceBroker({ namespace: process.env.NAMESPACE, nodeID: process.env.NODE_ID, transporter: { type: "NATS", options: { url } }, logger: false });
}

async function main(role: BenchRole): Promise<number> {
	const broker = process.env.BENCH_BROKER === "platform" ? platformBroker() : bareBroker();
	const platformWeb = process.env.BENCH_WEB === "platform";
	if (role === "worker") broker.createService(benchService);
	else if (platformWeb) broker.createService(GatewayService({ port: 0, ip: "127.0.0.1" }));
	else broker.createService({ name: "api", mixins: [ApiGateway], settings: { port: 0, ip: "127.0.0.1" } });
	await broker.start();
	if (role === "worker") return 0;
	if (platformWeb) return edgeServerOf(broker)?.port ?? 0;
	const api = broker.getLocalService("api") as unknown as { server: { address(): { port: number } } };
	return api.server.address().port;
}

const role = process.argv[2] as BenchRole;
main(role).then(
	(port) => process.send?.({ ready: true, port }),
	(err: unknown) => {
		process.stderr.write(`${role} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exit(1);
	}
);
