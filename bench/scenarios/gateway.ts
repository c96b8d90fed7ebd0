/**
 * Gateway benchmark (issue 2): HTTP through the platform's gateway to an action on another node
 * over the machine's NATS, against stock moleculer-web and a stock broker doing the same, in the
 * same run. A third variant is the platform with metrics and tracing off, to show what
 * observability costs. Every node is a child process; each pair has its own random namespace.
 *
 *   npm run bench -- gateway        BENCH_ROUNDS (9), BENCH_SECONDS (3), BENCH_CONNECTIONS (50), BENCH_SPLIT (0),
 *                                   BENCH_EXTRA (platform variants with parts off, see withoutPairs)
 *
 * Besides req/s it prints the CPU time the two node processes spent per request, which stays
 * meaningful when other programs load the machine.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { type ChildNode, startChildNode } from "../child-node.ts";
import { type Log, type Sample, type Scenario, type Variant, compareVariants } from "../scenario.ts";
import type { BenchRole } from "../nodes/gateway-bench-node.ts";
import { loadUrl, waitUntilServing } from "../http-load.ts";
import { BENCH_NATS_URL } from "../preflight.ts";

const NODE_SCRIPT = fileURLToPath(new URL("../nodes/gateway-bench-node.ts", import.meta.url));
const NATS_URL = BENCH_NATS_URL;

export interface PairSpec {
	name: string;
	path: string;
	env: NodeJS.ProcessEnv;
}

export const PLATFORM: NodeJS.ProcessEnv = {
	BENCH_BROKER: "platform",
	BENCH_WEB: "platform",
	// Production settings: 1 % trace sampling, JSON logs at warn.
	NODE_ENV: "production",
	JWT_SECRET: "bench-secret-bench-secret-bench-secret-0123",
	LOG_LEVEL: "warn",
	// One client address sends everything here: at the production per-IP limit the gateway would
	// answer 429s, which are cheap and would flatter it. The limiter still counts every request.
	RATE_LIMIT_PER_IP: "1000000",
	PORT: "0",
	METRICS_PORT: ""
};
const BARE: NodeJS.ProcessEnv = { BENCH_BROKER: "bare", BENCH_WEB: "bare" };
export const PLATFORM_PATH = "/api/v1/bench/echo";
const BARE_PATH = "/bench/echo";

const PAIRS: PairSpec[] = [
	{ name: "baseline: moleculer-web, stock broker, no metrics/tracing", path: BARE_PATH, env: BARE },
	{ name: "platform gateway, metrics + tracing", path: PLATFORM_PATH, env: PLATFORM },
	{ name: "platform gateway, metrics + tracing off", path: PLATFORM_PATH, env: { ...PLATFORM, BENCH_WITHOUT: "metrics,tracing" } }
];

/** BENCH_SPLIT=1 adds mixed pairs that tell the broker configuration's cost from the gateway service's. */
const SPLIT_PAIRS: PairSpec[] = [
	{ name: "split: platform broker, bare moleculer-web", path: BARE_PATH, env: { ...PLATFORM, BENCH_WEB: "bare" } },
	{ name: "split: stock broker, platform gateway", path: PLATFORM_PATH, env: { ...PLATFORM, BENCH_BROKER: "bare" } }
];

/** BENCH_EXTRA="timeout;bulkhead,circuitBreaker" adds one platform pair per `;` part with those parts off. */
function withoutPairs(): PairSpec[] {
	const parts = (process.env.BENCH_EXTRA ?? "").split(";").filter((p) => p.length > 0);
	return parts.map((without) => ({ name: `platform without ${without}`, path: PLATFORM_PATH, env: { ...PLATFORM, BENCH_WITHOUT: without } }));
}

export interface RunningPair {
	spec: PairSpec;
	nodes: ChildNode[];
	url: string;
}

export async function startPair(spec: PairSpec): Promise<RunningPair> {
	const namespace = `bench-${randomUUID().slice(0, 8)}`;
	const env = (role: BenchRole): NodeJS.ProcessEnv => ({ ...spec.env, NAMESPACE: namespace, TRANSPORTER: NATS_URL, NODE_ID: `${namespace}-${role}` });
	const [worker, gateway] = await Promise.all([startChildNode(NODE_SCRIPT, ["worker"], env("worker")), startChildNode(NODE_SCRIPT, ["gateway"], env("gateway"))]);
	return { spec, nodes: [worker, gateway], url: `http://127.0.0.1:${gateway.port}${spec.path}` };
}

function load(pair: RunningPair, seconds: number, connections: number, log: Log): Promise<Sample> {
	// CPU of the gateway and worker processes (not NATS, not autocannon) per request.
	return loadUrl(pair.url, { seconds, connections, pids: pair.nodes.map((n) => n.process.pid), log });
}

export async function runGatewayBench(log: Log): Promise<unknown> {
	const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
	const seconds = Number(process.env.BENCH_SECONDS ?? 3);
	const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
	log(`gateway: HTTP -> gateway node -> NATS -> worker node; autocannon ${connections} connections, ${rounds} rounds x ${seconds} s per variant`);
	const pairs: RunningPair[] = [];
	try {
		for (const spec of [...PAIRS, ...(process.env.BENCH_SPLIT === "1" ? SPLIT_PAIRS : []), ...withoutPairs()]) {
			log(`  starting: ${spec.name}`);
			const pair = await startPair(spec);
			pairs.push(pair);
			await waitUntilServing(pair.url);
		}
		log("  warming up");
		for (const pair of pairs) await load(pair, 2, connections, log);
		const variants: Variant[] = pairs.map((pair) => ({ name: pair.spec.name, measure: () => load(pair, seconds, connections, log) }));
		return await compareVariants(variants, { rounds, unit: "req/s", log });
	} finally {
		await Promise.all(pairs.flatMap((p) => p.nodes.map((n) => n.stop())));
	}
}

export const gatewayScenario: Scenario = {
	name: "gateway",
	description: "req/s through the platform gateway to an action over NATS, against bare moleculer-web",
	requires: ["nats"],
	run: runGatewayBench
};
