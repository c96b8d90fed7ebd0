/**
 * Footprint benchmark (issue 10): what `npm start` with all twelve services costs to start and to
 * keep, on PGlite (a data folder) and on PostgreSQL (a database created and dropped here), each on
 * an empty and on an existing store, next to a bare broker and PGlite alone in the same run (with
 * the options the platform gives it, and with the library's defaults, to show what those save).
 * Every figure is a fresh process: ready = from spawn until /readyz answers 200 (the baselines: until
 * they say so over IPC); RSS read from /proc as soon as it is ready, its peak so far (VmHWM), and RSS
 * again after SETTLE_MS idle: at ready it still holds start-up garbage and V8's background tier-up
 * of PGlite's WebAssembly (about 150 MB that goes within seconds), so "settled" is what stays.
 * Figures are medians over rounds; the platform's own RSS is paired with its baseline per round.
 *
 *   npm run bench -- footprint      BENCH_ROUNDS (3), BENCH_DATABASE_URL (the PostgreSQL server,
 *                                   default DATABASE_URL's or postgres://postgres@127.0.0.1:5432/test)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startChildNode } from "../child-node.ts";
import type { Log, Scenario } from "../scenario.ts";
import { median } from "../stats.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PLATFORM_SCRIPT = path.join(ROOT, "bin/node.ts");
const CHILD_SCRIPT = path.join(ROOT, "bench/nodes/footprint-child.ts");
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const TARGET_READY_EXISTING_MS = 3_000;
const TARGET_OWN_RSS_MB = 150;
const SETTLE_MS = 5_000;

/** Variables that would make the measured node something else than a newcomer's `npm start`. */
const NOT_INHERITED = ["TRANSPORTER", "NAMESPACE", "NODE_ID", "SERVICES", "DATABASE_URL", "MONGO_URL", "REDIS_URL", "METRICS_PORT", "ADMIN_EMAIL", "ADMIN_PASSWORD", "ETL_SCHEDULES", "NODE_ENV", "LOG_LEVEL", "PORT", "DATA_DIR"];

interface Footprint {
	readyMs: number;
	rssMb: number;
	peakMb: number;
	settledMb: number;
}

type Store = "empty" | "existing";
type Measured = "broker" | "pglite" | "pglite-defaults" | "platform-pglite" | "platform-postgres";

const LABELS: Record<Measured, string> = {
	broker: "bare broker (no transporter)",
	pglite: "PGlite alone, platform's options",
	"pglite-defaults": "PGlite alone, library defaults",
	"platform-pglite": "npm start, 12 services, PGlite",
	"platform-postgres": "npm start, 12 services, PostgreSQL"
};

/** VmRSS and VmHWM of a live process, in MB. */
function memoryOf(pid: number | undefined): { rssMb: number; peakMb: number } {
	const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
	const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
	return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

/** The figures of a process that has just become ready: memory now, and RSS once it has settled. */
async function footprintOf(pid: number | undefined, readyMs: number): Promise<Footprint> {
	const atReady = memoryOf(pid);
	await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
	return { readyMs, ...atReady, settledMb: memoryOf(pid).rssMb };
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
		});
	});
}

function stopProcess(child: ChildProcess): Promise<void> {
	return new Promise((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null) return resolve();
		const kill = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
		child.once("exit", () => {
			clearTimeout(kill);
			resolve();
		});
		child.kill("SIGTERM");
	});
}

async function answers200(url: string): Promise<boolean> {
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
		await response.body?.cancel();
		return response.status === 200;
	} catch {
		return false;
	}
}

/** Starts `node bin/node.ts` as `npm start` does (without npm's own processes), until /readyz is 200. */
async function measurePlatform(env: NodeJS.ProcessEnv): Promise<Footprint> {
	const port = await freePort();
	const inherited = Object.entries(process.env).filter(([name]) => !NOT_INHERITED.includes(name));
	const childEnv: NodeJS.ProcessEnv = { ...Object.fromEntries(inherited), ...env, PORT: String(port) };
	const started = performance.now();
	const child = spawn(process.execPath, [PLATFORM_SCRIPT], { cwd: ROOT, env: childEnv, stdio: ["ignore", "ignore", "pipe"] });
	let stderr = "";
	child.stderr?.on("data", (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-2_000)));
	try {
		const deadline = started + READY_TIMEOUT_MS;
		while (!(await answers200(`http://127.0.0.1:${port}/readyz`))) {
			if (child.exitCode !== null) throw new Error(`the node exited with code ${child.exitCode} before it was ready: ${stderr}`);
			if (performance.now() > deadline) throw new Error(`/readyz was not 200 within ${READY_TIMEOUT_MS / 1000} s: ${stderr}`);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		return await footprintOf(child.pid, performance.now() - started);
	} finally {
		await stopProcess(child);
	}
}

async function measureChild(args: string[]): Promise<Footprint> {
	const started = performance.now();
	const node = await startChildNode(CHILD_SCRIPT, args, {});
	const readyMs = performance.now() - started;
	try {
		return await footprintOf(node.process.pid, readyMs);
	} finally {
		await node.stop();
	}
}

interface RoundResult {
	key: string;
	sample: Footprint;
}

/** One round: every variant once (empty store, then the same store again), in the given order. */
async function runRound(order: readonly Measured[], serverUrl: string, log: Log): Promise<RoundResult[]> {
	const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "op-bench-footprint-"));
	const dbName = `op_bench_fp_${randomBytes(5).toString("hex")}`;
	const admin = new pg.Client({ connectionString: serverUrl });
	await admin.connect();
	const results: RoundResult[] = [];
	try {
		await admin.query(`CREATE DATABASE ${dbName}`);
		const dbUrl = new URL(serverUrl);
		dbUrl.pathname = `/${dbName}`;
		const twice = async (measured: Measured, measure: () => Promise<Footprint>): Promise<void> => {
			for (const store of ["empty", "existing"] as const) results.push({ key: `${measured}|${store}`, sample: await measure() });
		};
		for (const measured of order) {
			if (measured === "broker") results.push({ key: "broker|-", sample: await measureChild(["broker"]) });
			if (measured === "pglite" || measured === "pglite-defaults") await twice(measured, () => measureChild([measured, path.join(scratch, measured)]));
			if (measured === "platform-pglite") await twice(measured, () => measurePlatform({ DATA_DIR: path.join(scratch, "platform-pglite") }));
			if (measured === "platform-postgres") await twice(measured, () => measurePlatform({ DATA_DIR: path.join(scratch, "platform-postgres"), DATABASE_URL: dbUrl.toString() }));
		}
	} finally {
		fs.rmSync(scratch, { recursive: true, force: true });
		await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
		await admin.end();
	}
	log(`  ${results.map((r) => `${r.key.replace("|-", "").replace("|", " ")} ${(r.sample.readyMs / 1000).toFixed(2)} s ${Math.round(r.sample.rssMb)}/${Math.round(r.sample.settledMb)} MB`).join(" | ")}`);
	return results;
}

function fmt(value: number, digits = 0): string {
	return Number.isFinite(value) ? value.toFixed(digits) : "-";
}

export interface FootprintOptions {
	rounds: number;
	serverUrl: string;
}

export async function runFootprintBench(options: FootprintOptions, log: Log): Promise<Map<string, Footprint[]>> {
	const variants: Measured[] = ["broker", "pglite", "pglite-defaults", "platform-pglite", "platform-postgres"];
	const samples = new Map<string, Footprint[]>();
	log(`footprint: ${options.rounds} rounds, each variant a fresh process; PostgreSQL at ${new URL(options.serverUrl).host}`);
	for (let round = 0; round < options.rounds; round++) {
		// Rotated as compareVariants does, so no variant always starts on a machine the previous one warmed.
		const order = variants.map((_, i) => variants[(i + round) % variants.length] as Measured);
		for (const { key, sample } of await runRound(order, options.serverUrl, log)) samples.set(key, [...(samples.get(key) ?? []), sample]);
	}

	const of = (key: string): Footprint[] => samples.get(key) ?? [];
	const med = (key: string, pick: (f: Footprint) => number): number => median(of(key).map(pick));
	const paired = (mine: string, base: string, pick: (m: Footprint, b: Footprint) => number): number =>
		median(of(mine).map((m, round) => pick(m, of(base)[round] ?? m)));

	const rows: [string, string][] = [["broker|-", "-"], ...variants.slice(1).flatMap((v) => (["empty", "existing"] as Store[]).map((s): [string, string] => [`${v}|${s}`, s]))];
	const width = Math.max(...Object.values(LABELS).map((l) => l.length));
	log(`  ${"variant".padEnd(width)}  ${"store".padEnd(8)}  ${"ready s".padStart(7)}  ${"RSS MB".padStart(6)}  ${"settled".padStart(7)}  ${"peak MB".padStart(7)}  rounds (ready s / RSS / settled MB)`);
	for (const [key, store] of rows) {
		const label = LABELS[key.split("|")[0] as Measured];
		const each = of(key).map((f) => `${fmt(f.readyMs / 1000, 2)}/${fmt(f.rssMb)}/${fmt(f.settledMb)}`).join(" ");
		const cells = [fmt(med(key, (f) => f.readyMs) / 1000, 2), fmt(med(key, (f) => f.rssMb)), fmt(med(key, (f) => f.settledMb)), fmt(med(key, (f) => f.peakMb))];
		log(`  ${label.padEnd(width)}  ${store.padEnd(8)}  ${cells.map((c, i) => c.padStart(i === 1 ? 6 : 7)).join("  ")}  ${each}`);
	}

	// Each comparison: the platform against the baseline without it, in the same round.
	type Pick = (m: Footprint, b: Footprint) => number;
	const compare = (title: string, mine: string, base: string): number => {
		const at: Pick = (m, b) => m.rssMb - b.rssMb;
		const settled: Pick = (m, b) => m.settledMb - b.settledMb;
		const own = paired(mine, base, settled);
		log(`  ${title.padEnd(40)} RSS x${fmt(paired(mine, base, (m, b) => m.settledMb / b.settledMb), 2)}, own +${fmt(own)} MB settled (+${fmt(paired(mine, base, at))} at ready); ready x${fmt(paired(mine, base, (m, b) => m.readyMs / b.readyMs), 1)}`);
		return own;
	};
	log("  the platform over its baseline (paired per round, then the median):");
	const ownLite: number[] = [];
	for (const store of ["empty", "existing"] as const) {
		ownLite.push(compare(`PGlite, ${store}, over PGlite alone:`, `platform-pglite|${store}`, `pglite|${store}`));
		compare(`PostgreSQL, ${store}, over a bare broker:`, `platform-postgres|${store}`, "broker|-");
	}
	for (const store of ["empty", "existing"] as const) {
		const saved = paired(`pglite-defaults|${store}`, `pglite|${store}`, (m, b) => m.settledMb - b.settledMb);
		log(`  ${`PGlite's options, ${store}:`.padEnd(40)} ${fmt(saved)} MB settled RSS less than the library defaults`);
	}

	const verdict = (met: boolean): string => (met ? "met" : "MISSED");
	const readyLite = med("platform-pglite|existing", (f) => f.readyMs);
	const readyPg = med("platform-postgres|existing", (f) => f.readyMs);
	log(`  target: ready ≤ ${TARGET_READY_EXISTING_MS / 1000} s on an existing store: PGlite ${fmt(readyLite / 1000, 2)} s (${verdict(readyLite <= TARGET_READY_EXISTING_MS)}), PostgreSQL ${fmt(readyPg / 1000, 2)} s (${verdict(readyPg <= TARGET_READY_EXISTING_MS)})`);
	const worstOwn = Math.max(...ownLite);
	log(`  target: the platform's own settled RSS over PGlite alone ≤ ${TARGET_OWN_RSS_MB} MB: +${fmt(worstOwn)} MB at most (${verdict(worstOwn <= TARGET_OWN_RSS_MB)})`);
	return samples;
}

export function footprintOptionsFromEnv(source: NodeJS.ProcessEnv = process.env): FootprintOptions {
	return {
		rounds: Number(source.BENCH_ROUNDS ?? 3),
		serverUrl: source.BENCH_DATABASE_URL ?? source.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
	};
}

export const footprintScenario: Scenario = {
	name: "footprint",
	description: "npm start's ready time and RSS on PGlite and PostgreSQL, against a bare broker and PGlite alone",
	requires: ["postgres"],
	run: (log) => runFootprintBench(footprintOptionsFromEnv(), log)
};
