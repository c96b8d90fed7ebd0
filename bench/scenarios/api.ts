/**
 * API benchmark (issue 11), on PostgreSQL with generated data:
 *
 * (4) Export of 1,000,000 ballots as CSV through the gateway (`GET /api/v1/export/ballots.csv`,
 *     a child node) against `COPY (SELECT ... FROM etl.ballots) TO STDOUT (FORMAT csv)` of the same
 *     rows in the same run, in rows/s (target >= 0.7); and the serving node's peak RSS over its
 *     idle RSS during the export (target <= 50 MB), from /proc (VmHWM after resetting it, and
 *     VmRSS sampled every 20 ms).
 * (3) `/politicians/{slug}/record` p99 on the same million ballots (target <= 50 ms) needs the
 *     read routes, which are built on another branch: this scenario reports it as not measured.
 * (1) and (2), the cached bill detail and the filtered list over NATS, likewise.
 *
 *   npm run bench -- api        BENCH_API_BALLOTS (1,000,000), BENCH_ROUNDS (3), BENCH_DATABASE_URL,
 *                               BENCH_API_NODE_OPTIONS (V8 flags of the serving node, e.g. --max-semi-space-size=2)
 */
import fs from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { openStandalone } from "../../runtime/storage/database-registry.ts";
import { applyMigrations } from "../../runtime/storage/migrations.ts";
import { migrationSetOf } from "../../runtime/storage/migration-sets.ts";
import { createPostgresDatabase } from "../../test/storage/test-databases.ts";
import { insertBallots } from "../../test/kits/export-fixtures.ts";
import { type ChildNode, startChildNode } from "../child-node.ts";
import { type Log, type Sample, type Scenario, compareVariants } from "../scenario.ts";

const NODE_SCRIPT = fileURLToPath(new URL("../nodes/api-bench-node.ts", import.meta.url));
const MEMBERS = 400;

const NODE_ENV_VARS: NodeJS.ProcessEnv = {
	NODE_ENV: "production",
	JWT_SECRET: "bench-secret-bench-secret-bench-secret-0123",
	LOG_LEVEL: "warn",
	RATE_LIMIT_PER_IP: "1000000",
	PORT: "0",
	METRICS_PORT: "",
	TRANSPORTER: ""
};

/** Lines in a byte stream (records: ballots hold no line breaks), counted as the bytes pass. */
function countLines(chunk: Buffer): number {
	let lines = 0;
	for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
	return lines;
}

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
	const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
	return Number(match?.[1] ?? Number.NaN);
}

/** Resets the process's peak RSS to its current RSS (Linux clear_refs "5"); false where not allowed. */
function resetPeak(pid: number): boolean {
	try {
		fs.writeFileSync(`/proc/${pid}/clear_refs`, "5");
		return true;
	} catch {
		return false;
	}
}

function timed(rows: number, started: number): Sample {
	const ms = performance.now() - started;
	return { perSecond: rows / (ms / 1000), p50Ms: ms, p99Ms: ms };
}

async function copyOut(url: string, sql: string): Promise<Sample & { rows: number }> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		const started = performance.now();
		let lines = 0;
		await new Promise<void>((resolve, reject) => {
			const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT WITH (FORMAT csv, HEADER)`));
			stream.on("data", (chunk: Buffer) => (lines += countLines(chunk)));
			stream.on("end", () => resolve());
			stream.on("error", reject);
		});
		return { ...timed(lines - 1, started), rows: lines - 1 };
	} finally {
		await client.end();
	}
}

function download(url: string): Promise<{ lines: number; status: number }> {
	return new Promise((resolve, reject) => {
		const req = http.get(url, (res) => {
			let lines = 0;
			res.on("data", (chunk: Buffer) => (lines += countLines(chunk)));
			res.on("end", () => resolve({ lines, status: res.statusCode ?? 0 }));
			res.on("error", reject);
		});
		req.on("error", reject);
		req.setTimeout(120_000, () => req.destroy(new Error("the export stalled")));
	});
}

export async function runApiBench(log: Log, ballots = Number(process.env.BENCH_API_BALLOTS ?? 1_000_000)): Promise<{ ratio: number; peakOverIdleMb: number }> {
	const votes = Math.ceil(ballots / MEMBERS);
	const total = votes * MEMBERS;
	const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
	const database = await createPostgresDatabase(process.env.BENCH_DATABASE_URL);
	let child: ChildNode | undefined;
	try {
		const db = await openStandalone(database.config);
		try {
			await applyMigrations(db, [migrationSetOf("etl"), migrationSetOf("web")], "api-bench");
			const started = performance.now();
			await insertBallots(db, votes, MEMBERS);
			await db.exec("ANALYZE");
			log(`  generated ${total.toLocaleString("en-CA")} ballots (${votes} votes of ${MEMBERS}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
		} finally {
			await db.close();
		}
		const nodeOptions = process.env.BENCH_API_NODE_OPTIONS ?? "";
		if (nodeOptions) log(`  serving node runs with NODE_OPTIONS=${nodeOptions}`);
		child = await startChildNode(NODE_SCRIPT, [], { ...NODE_ENV_VARS, DATABASE_URL: database.url, NODE_OPTIONS: nodeOptions });
		const pid = child.process.pid ?? 0;
		const exportUrl = `http://127.0.0.1:${child.port}/api/v1/export/ballots.csv`;
		// Warm the code paths so "idle" is the node ready to serve, not one still loading modules.
		for (let i = 0; i < 3; i++) await download(`${exportUrl}?vote=44-1/${i + 1}`);
		const idleKb = statusKb(pid, "VmRSS");
		log(`  serving node idle: ${(idleKb / 1024).toFixed(0)} MB RSS`);

		const sql = "SELECT session, vote_number, politician_slug, membership_id, ballot, dissent FROM etl.ballots ORDER BY session, vote_number";
		const peaks: number[] = [];
		const rows = await compareVariants(
			[
				{
					name: "COPY (SELECT ... FROM etl.ballots) TO STDOUT (FORMAT csv)",
					measure: async () => {
						const sample = await copyOut(database.url, sql);
						if (sample.rows !== total) throw new Error(`COPY returned ${sample.rows} rows, not ${total}`);
						return sample;
					}
				},
				{
					name: "GET /api/v1/export/ballots.csv through the gateway",
					measure: async () => {
						const reset = resetPeak(pid);
						let sampledKb = statusKb(pid, "VmRSS");
						const sampler = setInterval(() => (sampledKb = Math.max(sampledKb, statusKb(pid, "VmRSS"))), 20);
						const started = performance.now();
						const { lines, status } = await download(exportUrl).finally(() => clearInterval(sampler));
						const sample = timed(lines - 1, started);
						if (status !== 200 || lines - 1 !== total) throw new Error(`the export answered ${status} with ${lines - 1} rows, not ${total}`);
						const peakKb = Math.max(sampledKb, reset ? statusKb(pid, "VmHWM") : 0);
						peaks.push((peakKb - idleKb) / 1024);
						return sample;
					}
				}
			],
			{ rounds, unit: "rows/s", log }
		);
		const ratio = rows[1]?.ratio ?? Number.NaN;
		const peakOverIdleMb = Math.max(...peaks);
		log(`  (4) export / COPY: ${ratio.toFixed(2)} (target >= 0.70); peak RSS over idle: ${peakOverIdleMb.toFixed(1)} MB, rounds ${peaks.map((p) => p.toFixed(1)).join(", ")} (target <= 50 MB)`);
		log("  (3) /politicians/{slug}/record p99: not measured here (the read routes are on the webread branch); (1), (2) likewise");
		return { ratio, peakOverIdleMb };
	} finally {
		await child?.stop();
		await database.drop();
	}
}

export const apiScenario: Scenario = {
	name: "api",
	description: "Public API: export of 1M ballots as CSV through the gateway against COPY TO STDOUT, and the node's peak RSS",
	run: (log: Log) => runApiBench(log)
};

if (import.meta.main) await runApiBench((line) => process.stdout.write(`${line}\n`));
