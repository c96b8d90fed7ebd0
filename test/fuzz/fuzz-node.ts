/**
 * What the route fuzzer runs against: one platform node with every service, started the way
 * `npm start` starts it (bin/node.ts, a child process, embedded PGlite unless DATABASE_URL is
 * given), its callers (anonymous, a citizen, an operator) and the declared answers of its actions.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { SERVICE_NAMES, loadServiceSchemas } from "../../platform/service-catalog.ts";
import { isZodResponse, responseSchemaOf } from "../../runtime/validation/zod-response.ts";
import { accessToken } from "../helpers/auth.ts";
import { type NodeProcess, spawnNode } from "../helpers/node-process.ts";
import { waitFor } from "../helpers/wait-for.ts";
import type { Caller } from "./route-fuzzer.ts";

export const NATS_URL = "nats://127.0.0.1:4222";

export interface FuzzNode {
	node: NodeProcess;
	baseUrl: string;
	env: NodeJS.ProcessEnv;
}

export async function startFuzzNode(databaseUrl?: string): Promise<FuzzNode> {
	const vars = {
		// The fuzzer is one client sending thousands of requests: limits would answer most of them.
		RATE_LIMIT_PER_IP: "1000000",
		RATE_LIMIT_PER_USER: "1000000",
		RATE_LIMIT_LOGIN: "1000000",
		// Runs started by the fuzzer fail fast instead of waiting on sources this machine cannot reach.
		ETL_HTTP_TIMEOUT_MS: "2000",
		ETL_HTTP_MIN_INTERVAL_MS: "0",
		...(databaseUrl ? { DATABASE_URL: databaseUrl } : {})
	};
	const node = await spawnNode({ nodeID: `fuzz-${randomUUID().slice(0, 8)}`, namespace: `fuzz-${randomUUID()}`, transporter: NATS_URL, services: [...SERVICE_NAMES], logLevel: "error", env: vars });
	const baseUrl = node.url("");
	const outcome = await waitFor(
		async () => {
			if (!node.alive) return "exited";
			const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
			return res.status === 200 && "ready";
		},
		{ timeoutMs: 90_000, intervalMs: 250, message: () => `the fuzz node to be ready\n${node.describe()}` }
	);
	if (outcome === "exited") throw new Error(`The fuzz node exited before it was ready\n${node.describe()}`);
	return { node, baseUrl, env: { ...process.env, NODE_ENV: "test", ...vars } };
}

export function fuzzCallers(env: NodeJS.ProcessEnv): Caller[] {
	const citizen = randomUUID();
	const operator = randomUUID();
	return [
		{ name: "anonymous", headers: () => ({}) },
		{ name: "citizen", headers: () => ({ authorization: `Bearer ${accessToken("citizen", citizen, env)}` }) },
		{ name: "operator", headers: () => ({ authorization: `Bearer ${accessToken("operator", operator, env)}` }) }
	];
}

/** The declared answer of every action, read from the same schemas the node loaded. */
export async function declaredResponses(): Promise<(action: string) => z.ZodType | undefined> {
	const responses = new Map<string, z.ZodType>();
	for (const schema of await loadServiceSchemas(SERVICE_NAMES)) {
		for (const [name, action] of Object.entries(schema.actions ?? {})) {
			const response = typeof action === "object" && action !== null ? (action as { response?: unknown }).response : undefined;
			if (isZodResponse(response)) responses.set(`${schema.name}.${name}`, responseSchemaOf(response));
		}
	}
	return (action) => responses.get(action);
}
