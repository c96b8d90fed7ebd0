/**
 * What a scenario needs before it starts, checked with a bounded wait, so a missing server fails
 * the scenario in seconds with one line that says what to start, instead of a hang (a NATS
 * transporter retries forever; a broker's start waits for it) or a driver's stack trace.
 */
import { execFileSync } from "node:child_process";
import net from "node:net";

const CONNECT_TIMEOUT_MS = 3_000;

export const BENCH_NATS_URL = process.env.BENCH_NATS_URL ?? process.env.TRANSPORTER ?? "nats://127.0.0.1:4222";
export const BENCH_POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A failure the runner prints as one line, without a stack. */
export class MissingDependencyError extends Error {}

function defaultPort(protocol: string): number {
	return protocol === "nats:" ? 4222 : protocol.startsWith("postgres") ? 5432 : 80;
}

/** Resolves once a TCP connection to the URL's host and port opens; rejects after `timeoutMs`. */
export function requireReachable(what: string, url: string, variable: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
	const target = new URL(url);
	const host = target.hostname || "127.0.0.1";
	const port = Number(target.port) || defaultPort(target.protocol);
	return new Promise((resolve, reject) => {
		const socket = net.connect({ host, port });
		const fail = (reason: string): void => {
			socket.destroy();
			reject(new MissingDependencyError(`${what} at ${host}:${port} ${reason}: start it, or point ${variable} at one`));
		};
		socket.setTimeout(timeoutMs, () => fail(`did not answer within ${timeoutMs / 1000} s`));
		socket.once("error", (err: NodeJS.ErrnoException) => fail(`is not reachable (${err.code ?? err.message})`));
		socket.once("connect", () => {
			socket.destroy();
			resolve();
		});
	});
}

export const requireNats = (): Promise<void> => requireReachable("NATS", BENCH_NATS_URL, "BENCH_NATS_URL");
export const requirePostgres = (): Promise<void> => requireReachable("PostgreSQL", BENCH_POSTGRES_URL, "BENCH_DATABASE_URL");

/** Fails unless `command --version` runs (within 10 s). */
export function requireCommand(command: string, hint: string): void {
	try {
		execFileSync(command, ["--version"], { stdio: "ignore", timeout: 10_000 });
	} catch {
		throw new MissingDependencyError(`${command} is not installed or does not run: ${hint}`);
	}
}

export type Requirement = "nats" | "postgres" | "prometheus";

const CHECKS: Record<Requirement, () => Promise<void>> = {
	nats: requireNats,
	postgres: requirePostgres,
	prometheus: () => Promise.resolve(requireCommand(PROMETHEUS_BINARY, "apt-get install prometheus, or set BENCH_PROMETHEUS to its path"))
};

export const PROMETHEUS_BINARY = process.env.BENCH_PROMETHEUS ?? "prometheus";

/** Checks every requirement (all at once, each bounded); rejects with the first that is missing. */
export async function checkRequirements(requirements: readonly Requirement[]): Promise<void> {
	await Promise.all(requirements.map((r) => CHECKS[r]()));
}
