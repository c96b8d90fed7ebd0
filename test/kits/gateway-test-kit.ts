/**
 * What the gateway's tests share: brokers built from the platform's own configuration (so the
 * payload guard, validator and failure detection are the real ones), a gateway on port 0, and
 * small HTTP helpers. Each broker gets a random namespace, so the shared NATS keeps tests apart.
 */
import { randomUUID } from "node:crypto";
import type { BrokerOptions, ServiceSchema } from "moleculer";
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { loadEnv } from "../../runtime/env.ts";
import { edgeServerOf } from "../../gateway/edge-server.ts";
import { type GatewayOptions, GatewayService } from "../../gateway/gateway.service.ts";

export const NATS_URL = "nats://127.0.0.1:4222";

export function randomNamespace(): string {
	return `gw-test-${randomUUID().slice(0, 8)}`;
}

export interface BrokerSetup {
	namespace?: string;
	nodeID?: string;
	transporter?: string;
	requestTimeout?: number;
	/** Last say over the options, e.g. a metrics reporter. */
	tweak?: (options: BrokerOptions) => void;
}

export function makeBroker(setup: BrokerSetup = {}): ServiceBroker {
	const env = loadEnv({
		NODE_ENV: "test",
		NAMESPACE: setup.namespace ?? randomNamespace(),
		NODE_ID: setup.nodeID ?? `gw-test-${randomUUID().slice(0, 6)}`,
		...(setup.transporter ? { TRANSPORTER: setup.transporter } : {}),
		...(setup.requestTimeout ? { REQUEST_TIMEOUT: String(setup.requestTimeout) } : {})
	});
	const options = createBrokerOptions(env);
	setup.tweak?.(options);
	return new ServiceBroker(options);
}

export interface GatewayNode {
	broker: ServiceBroker;
	baseUrl: string;
}

/** A started broker with the gateway on a free port plus `services`. */
export async function startGatewayNode(services: ServiceSchema[], setup: BrokerSetup = {}, gateway: GatewayOptions = {}): Promise<GatewayNode> {
	const broker = makeBroker(setup);
	broker.createService(GatewayService({ port: 0, ip: "127.0.0.1", ...gateway }));
	for (const schema of services) broker.createService(schema);
	await broker.start();
	return { broker, baseUrl: baseUrlOf(broker) };
}

export function baseUrlOf(broker: ServiceBroker): string {
	const edge = edgeServerOf(broker);
	if (!edge?.listening) throw new Error("This broker has no listening gateway");
	return `http://127.0.0.1:${edge.port}`;
}

export interface JsonResponse {
	status: number;
	headers: Headers;
	body: unknown;
	text: string;
}

/** One request, with a deadline so a hang fails the test instead of stalling it. */
export async function request(url: string, init: RequestInit = {}, timeoutMs = 15_000): Promise<JsonResponse> {
	const res = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(timeoutMs) });
	const text = await res.text();
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		// Not JSON: callers assert on `text`.
	}
	return { status: res.status, headers: res.headers, body, text };
}

export interface ErrorShape {
	error: { type: string; message: string; code: number; data?: unknown };
}

export function errorOf(res: JsonResponse): ErrorShape["error"] {
	const body = res.body as Partial<ErrorShape> | undefined;
	if (!body?.error) throw new Error(`Expected the JSON error shape, got ${res.status}: ${res.text.slice(0, 300)}`);
	return body.error;
}
