/**
 * One platform node as a child process, started the way an operator starts it (`node bin/node.ts`
 * with the variables of .env.example), or through the fixture entrypoint that adds test-only services.
 */
import path from "node:path";
import { ManagedChild } from "./child.ts";
import { freePort } from "./free-port.ts";

export const PROJECT_ROOT = path.resolve(import.meta.dirname, "../..");
/** The real entrypoint (`npm run node`). */
export const PLATFORM_NODE_SCRIPT = path.join(PROJECT_ROOT, "bin/node.ts");
/** The real boot path plus the services of test/fixtures named in FIXTURES. */
export const FIXTURE_NODE_SCRIPT = path.join(PROJECT_ROOT, "test/fixtures/node-with-fixtures.ts");

export interface NodeSpec {
	nodeID: string;
	namespace: string;
	/** NATS URL. */
	transporter: string;
	/** Platform services (SERVICES); with fixtures and none named, the node runs only its fixtures. */
	services?: string[];
	/** Fixture services from test/fixtures/<name>.service.ts; switches to the fixture entrypoint. */
	fixtures?: string[];
	/** The gateway's PORT; a free one is picked when the node runs the gateway and none is given. */
	port?: number;
	logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "trace";
	/** Extra variables, e.g. REQUEST_TIMEOUT. */
	env?: Record<string, string>;
	/** Overrides the script chosen from `fixtures`. */
	script?: string;
}

export class NodeProcess extends ManagedChild {
	readonly nodeID: string;
	/** The gateway's HTTP port, 0 when this node runs no gateway. */
	readonly port: number;

	constructor(spec: NodeSpec, port: number) {
		const script = spec.script ?? (spec.fixtures && spec.fixtures.length > 0 ? FIXTURE_NODE_SCRIPT : PLATFORM_NODE_SCRIPT);
		// The test runner's own variables would tell the child it runs under vitest.
		const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST")));
		const env: NodeJS.ProcessEnv = {
			...inherited,
			NODE_ENV: "test",
			TRANSPORTER: spec.transporter,
			NAMESPACE: spec.namespace,
			NODE_ID: spec.nodeID,
			SERVICES: spec.services?.join(",") ?? "",
			FIXTURES: spec.fixtures?.join(",") ?? "",
			PORT: String(port),
			LOG_LEVEL: spec.logLevel ?? "warn",
			...spec.env
		};
		super({ name: `node ${spec.nodeID}`, command: process.execPath, args: [script], env, cwd: PROJECT_ROOT });
		this.nodeID = spec.nodeID;
		this.port = port;
	}

	/** `http://127.0.0.1:<port><path>` of this node's gateway. */
	url(pathname = "/"): string {
		if (this.port === 0) throw new Error(`${this.nodeID} runs no gateway`);
		return `http://127.0.0.1:${this.port}${pathname}`;
	}
}

export async function spawnNode(spec: NodeSpec): Promise<NodeProcess> {
	const port = spec.port ?? (spec.services?.includes("gateway") ? await freePort() : 0);
	return new NodeProcess(spec, port);
}
