/**
 * A real Prometheus server for a test (Debian's `prometheus` package, installed by .ci/run): a
 * temporary config and data folder, a free port, bounded waits, and its HTTP query API. Also
 * `promtool`, to check an exposition or a rules file the way operators would.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ManagedChild } from "./child.ts";
import { freePort } from "./free-port.ts";
import { waitFor } from "./wait-for.ts";

export interface PromSample {
	metric: Record<string, string>;
	value: [number, string];
}

export interface PrometheusServer {
	url: string;
	process: ManagedChild;
	/** An instant query; the result vector. */
	query(expr: string): Promise<PromSample[]>;
	stop(): Promise<void>;
}

export interface ScrapeTarget {
	job: string;
	/** host:port */
	target: string;
	path?: string;
	intervalSeconds?: number;
}

/** `ruleFiles`: absolute paths of rule files to load. */
export async function startPrometheus(targets: readonly ScrapeTarget[], options: { ruleFiles?: readonly string[]; readyTimeoutMs?: number } = {}): Promise<PrometheusServer> {
	const dir = await mkdtemp(path.join(os.tmpdir(), "op-prometheus-"));
	const port = await freePort();
	const config = [
		"global:",
		"  scrape_interval: 1s",
		"  evaluation_interval: 1s",
		...(options.ruleFiles?.length ? ["rule_files:", ...options.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
		"scrape_configs:",
		...targets.flatMap((t) => [
			`  - job_name: ${JSON.stringify(t.job)}`,
			`    scrape_interval: ${t.intervalSeconds ?? 1}s`,
			`    scrape_timeout: ${t.intervalSeconds ?? 1}s`,
			`    metrics_path: ${JSON.stringify(t.path ?? "/metrics")}`,
			"    static_configs:",
			`      - targets: [${JSON.stringify(t.target)}]`
		])
	].join("\n");
	const configFile = path.join(dir, "prometheus.yml");
	await writeFile(configFile, `${config}\n`);
	const child = new ManagedChild({
		name: "prometheus",
		command: "prometheus",
		args: [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
		env: process.env
	});
	const url = `http://127.0.0.1:${port}`;
	const stop = async (): Promise<void> => {
		await child.kill();
		await rm(dir, { recursive: true, force: true });
	};
	try {
		await waitFor(async () => child.alive && (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok, {
			timeoutMs: options.readyTimeoutMs ?? 20_000,
			intervalMs: 100,
			message: () => `Prometheus to be ready on ${url}\n${child.describe()}`
		});
	} catch (err) {
		await stop();
		throw err;
	}
	return {
		url,
		process: child,
		async query(expr: string): Promise<PromSample[]> {
			const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(5_000) });
			const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: PromSample[] } };
			if (body.status !== "success" || !body.data) throw new Error(`Prometheus query ${expr} failed: ${body.error ?? res.status}`);
			return body.data.result;
		},
		stop
	};
}

export interface ToolResult {
	code: number | null;
	output: string;
}

/** Runs promtool with `args`, `stdin` piped in; bounded by `timeoutMs`. */
export function promtool(args: readonly string[], stdin = "", timeoutMs = 20_000): Promise<ToolResult> {
	return new Promise((resolve, reject) => {
		const child = spawn("promtool", [...args], { stdio: ["pipe", "pipe", "pipe"] });
		let output = "";
		const timer = setTimeout(() => {
			child.kill("SIGKILL");
			reject(new Error(`promtool ${args.join(" ")} did not finish within ${timeoutMs} ms`));
		}, timeoutMs);
		child.stdout.on("data", (c: Buffer) => (output += c.toString()));
		child.stderr.on("data", (c: Buffer) => (output += c.toString()));
		child.once("error", (err) => {
			clearTimeout(timer);
			reject(new Error(`promtool could not run (install the Debian package prometheus): ${err.message}`));
		});
		child.once("close", (code) => {
			clearTimeout(timer);
			resolve({ code, output });
		});
		child.stdin.end(stdin);
	});
}
