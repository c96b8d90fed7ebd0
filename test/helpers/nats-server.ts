/**
 * A private nats-server for the tests that stop and restart NATS: the machine's shared server on
 * 4222 serves other programs and must never be stopped. No JetStream, nothing on disk.
 */
import { ManagedChild } from "./child.ts";
import { freePort, portAccepts } from "./free-port.ts";
import { waitFor } from "./wait-for.ts";

export const NATS_SERVER_BINARY = process.env.NATS_SERVER_BINARY ?? "/usr/sbin/nats-server";

export class PrivateNatsServer {
	readonly port: number;
	private child: ManagedChild | undefined;
	/** Every run's output, kept across restarts for failure messages. */
	private readonly runs: ManagedChild[] = [];

	constructor(port: number) {
		this.port = port;
	}

	/** A server on a free port, not started yet (a test may want NATS to be missing at first). */
	static async create(): Promise<PrivateNatsServer> {
		return new PrivateNatsServer(await freePort());
	}

	get url(): string {
		return `nats://127.0.0.1:${this.port}`;
	}

	get running(): boolean {
		return this.child?.alive ?? false;
	}

	/** Starts it (again, on the same port) and resolves once it accepts connections. */
	async start(timeoutMs = 10_000): Promise<void> {
		if (this.running) throw new Error(`The private NATS server on ${this.port} is already running`);
		const child = new ManagedChild({
			name: `nats-server :${this.port} (run ${this.runs.length + 1})`,
			command: NATS_SERVER_BINARY,
			args: ["-a", "127.0.0.1", "-p", String(this.port)],
			env: process.env
		});
		this.child = child;
		this.runs.push(child);
		await waitFor(
			async () => {
				if (!child.alive) throw new Error("nats-server exited");
				return portAccepts(this.port);
			},
			{ timeoutMs, message: () => `the private NATS server to accept connections on ${this.port}\n${child.describe()}` }
		);
	}

	/** Shuts it down as an operator would (SIGTERM: connections are closed) and waits for it to exit. */
	async stop(timeoutMs = 10_000): Promise<void> {
		const child = this.child;
		if (!child?.alive) return;
		child.signal("SIGTERM");
		await child.waitForExit(timeoutMs);
	}

	/** For afterAll: gone whatever state it is in. */
	async kill(): Promise<void> {
		await Promise.all(this.runs.map((r) => r.kill()));
	}

	describe(): string {
		return this.runs.map((r) => r.describe()).join("\n");
	}
}
