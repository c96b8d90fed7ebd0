/**
 * `/healthz` and `/readyz` for a node that runs no gateway (PROBE_PORT), so Kubernetes, compose
 * and systemd probe every node the same way. The same answers as the gateway's (gateway/probes.ts):
 * `/healthz` is 200 while the process serves, `/readyz` is 200 once the broker has started and
 * every check of this node passes, 503 with the reasons otherwise, and 503 as soon as it drains.
 * node:http rather than a framework: two routes, no body, and nothing else may be reached here.
 */
import { type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Middleware, ServiceBroker } from "moleculer";
import { runNodeHealthChecks } from "../mixins/health.mixin.ts";

export interface ProbeServer {
	port: number;
	close(): Promise<void>;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
	res.end(text);
}

export async function openProbeServer(broker: ServiceBroker, port: number, host = "0.0.0.0"): Promise<ProbeServer> {
	let draining = false;
	const server: Server = createServer((req, res) => {
		const path = (req.url ?? "/").split("?", 1)[0];
		if (req.method !== "GET" && req.method !== "HEAD") return answer(res, 405, { error: { type: "METHOD_NOT_ALLOWED", message: "GET only", code: 405 } });
		if (path === "/healthz") return answer(res, 200, { status: "ok" });
		if (path !== "/readyz") return answer(res, 404, { error: { type: "NOT_FOUND", message: "Only /healthz and /readyz here", code: 404 } });
		if (draining || !broker.started) return answer(res, 503, { status: "not-ready", reasons: [draining ? "stopping: the node is draining" : "starting: services are starting"] });
		runNodeHealthChecks(broker).then(
			(health) => (health.ok ? answer(res, 200, { status: "ready" }) : answer(res, 503, { status: "not-ready", reasons: health.reasons })),
			(err: unknown) => answer(res, 503, { status: "not-ready", reasons: [err instanceof Error ? err.message : String(err)] })
		);
	});
	server.requestTimeout = 10_000;
	const close = (): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
	// A middleware's `stopping` runs as soon as the broker begins to stop (services have no such hook).
	const drain: Middleware = {
		name: "ProbeServerDrain",
		stopping: async () => void (draining = true),
		stopped: async () => close()
	};
	broker.middlewares.add(drain);
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, host, () => resolve());
	});
	return {
		port: (server.address() as AddressInfo).port,
		close
	};
}
