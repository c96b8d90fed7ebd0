/**
 * A real Prometheus server (the Debian `prometheus` binary) for benchmarks, scraping every second
 * the targets of a file_sd file that the benchmark rewrites: scraping is turned on and off without
 * restarting Prometheus, so its own idle cost is the same in every variant. Every wait is bounded.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { PROMETHEUS_BINARY } from "./preflight.ts";

const READY_TIMEOUT_MS = 30_000;
const TARGETS_TIMEOUT_MS = 20_000;
const JOB = "bench";

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port"))));
		});
	});
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last = "";
	while (Date.now() < deadline) {
		try {
			const value = await probe();
			if (value !== undefined) return value;
		} catch (err) {
			last = ` (last: ${err instanceof Error ? err.message : String(err)})`;
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`${what} within ${timeoutMs / 1000} s${last}`);
}

interface ActiveTarget {
	scrapeUrl: string;
	health: string;
	lastScrape: string;
}

export class PrometheusServer {
	readonly url: string;
	private readonly dir: string;
	private readonly process: ChildProcess;

	private constructor(url: string, dir: string, child: ChildProcess) {
		this.url = url;
		this.dir = dir;
		this.process = child;
	}

	/** Starts Prometheus on a free loopback port, scraping nothing yet, and waits until it is ready. */
	static async start(metricsPath: string): Promise<PrometheusServer> {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-prometheus-"));
		fs.writeFileSync(path.join(dir, "targets.json"), "[]");
		fs.writeFileSync(
			path.join(dir, "prometheus.yml"),
			[
				"global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1m }",
				"scrape_configs:",
				`  - job_name: ${JOB}`,
				`    metrics_path: ${metricsPath}`,
				"    file_sd_configs: [{ files: [targets.json], refresh_interval: 1s }]",
				""
			].join("\n")
		);
		const port = await freePort();
		const args = [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"];
		const child = spawn(PROMETHEUS_BINARY, args, { stdio: ["ignore", "ignore", "pipe"] });
		let stderr = "";
		child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-2000)));
		const server = new PrometheusServer(`http://127.0.0.1:${port}`, dir, child);
		try {
			await until("Prometheus did not get ready", READY_TIMEOUT_MS, async () => {
				if (child.exitCode !== null) throw new Error(`Prometheus exited with code ${child.exitCode}: ${stderr.trim()}`);
				const res = await fetch(`${server.url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
				await res.arrayBuffer();
				return res.status === 200 ? true : undefined;
			});
		} catch (err) {
			await server.stop();
			throw err;
		}
		return server;
	}

	private async activeTargets(): Promise<ActiveTarget[]> {
		const res = await fetch(`${this.url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(2_000) });
		const body = (await res.json()) as { data: { activeTargets: ActiveTarget[] } };
		return body.data.activeTargets;
	}

	/** Scrapes `hostPort` from now on (waits for a fresh successful scrape), or nothing (waits until it stops). */
	async scrape(hostPort: string | undefined): Promise<void> {
		const since = Date.now();
		fs.writeFileSync(path.join(this.dir, "targets.json.tmp"), JSON.stringify(hostPort ? [{ targets: [hostPort] }] : []));
		// Renamed into place so Prometheus never reads a half-written file.
		fs.renameSync(path.join(this.dir, "targets.json.tmp"), path.join(this.dir, "targets.json"));
		await until(hostPort ? `Prometheus did not scrape ${hostPort} successfully` : "Prometheus did not stop scraping", TARGETS_TIMEOUT_MS, async () => {
			const targets = await this.activeTargets();
			if (!hostPort) return targets.length === 0 ? true : undefined;
			const target = targets.find((t) => t.scrapeUrl.includes(hostPort));
			return target && target.health === "up" && Date.parse(target.lastScrape) > since ? true : undefined;
		});
	}

	/** Successful scrapes of the job in the last `seconds` (from Prometheus's own `up` series). */
	async scrapesInLast(seconds: number): Promise<number> {
		const query = encodeURIComponent(`sum(sum_over_time(up{job="${JOB}"}[${Math.max(1, Math.round(seconds))}s]))`);
		const res = await fetch(`${this.url}/api/v1/query?query=${query}`, { signal: AbortSignal.timeout(5_000) });
		const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
		return Number(body.data.result[0]?.value[1] ?? 0);
	}

	async stop(): Promise<void> {
		if (this.process.exitCode === null && this.process.signalCode === null) {
			await new Promise<void>((resolve) => {
				this.process.once("exit", () => resolve());
				this.process.kill("SIGTERM");
				setTimeout(() => this.process.kill("SIGKILL"), 10_000).unref();
			});
		}
		fs.rmSync(this.dir, { recursive: true, force: true });
	}
}
