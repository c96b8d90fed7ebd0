/**
 * A PostgreSQL 15 cluster of the test's own (initdb into a temporary folder, a free port), so
 * failure tests can stop and start a server without touching the machine's shared one.
 * initdb refuses to run as root, so the server runs as the `postgres` OS user.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
		});
	});
}

async function asPostgres(command: string, args: string[]): Promise<void> {
	const isRoot = process.getuid?.() === 0;
	if (isRoot) await run("runuser", ["-u", "postgres", "--", path.join(BIN, command), ...args]);
	else await run(path.join(BIN, command), args);
}

export class PrivatePostgres {
	readonly dir: string;
	readonly port: number;

	private constructor(dir: string, port: number) {
		this.dir = dir;
		this.port = port;
	}

	get url(): string {
		return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
	}

	/** Initialises the cluster; it is not running until `start()`. */
	static async create(): Promise<PrivatePostgres> {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "op-pg-"));
		if (process.getuid?.() === 0) await run("chown", ["postgres:postgres", dir]);
		await asPostgres("initdb", ["-D", path.join(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
		return new PrivatePostgres(dir, await freePort());
	}

	async start(): Promise<void> {
		const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c max_connections=40`;
		await asPostgres("pg_ctl", ["-D", path.join(this.dir, "data"), "-o", options, "-l", path.join(this.dir, "server.log"), "-w", "-t", "30", "start"]);
	}

	/** Fast shutdown: open connections are cut, as when a server is restarted under load. */
	async stop(): Promise<void> {
		await asPostgres("pg_ctl", ["-D", path.join(this.dir, "data"), "-m", "fast", "-w", "-t", "30", "stop"]);
	}

	async destroy(): Promise<void> {
		try {
			await asPostgres("pg_ctl", ["-D", path.join(this.dir, "data"), "-m", "immediate", "-w", "stop"]);
		} catch {
			// Already stopped.
		}
		fs.rmSync(this.dir, { recursive: true, force: true });
	}
}
