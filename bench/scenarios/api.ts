/**
 * API benchmark (issue 11), on PostgreSQL with 1,000,000 generated ballots (400 members, 2,500
 * votes in session 44-1, written straight into etl.vote_ballots in the loader's shape) and 500
 * bills with stages and votes. Every serving node is a child process; the parent runs autocannon.
 *
 * (1) A hot cached `GET /api/v1/bills/44-1/C-42` through the platform's gateway (one node, the
 *     gateway and `web`) against a plain node:http server answering the very bytes (status,
 *     headers, body) the gateway answered, in the same rounds; target >= 0.5.
 * (2) A filtered list, `GET /api/v1/bills?session=44-1&limit=50`, over NATS on two nodes (gateway
 *     node, web node, a random namespace per pair) against stock moleculer-web on a stock broker
 *     whose `web.bills` runs the same store function (listBills, pageOf) with no cache; target
 *     >= 1.0. A third pair is the platform with its cacher off, the like-for-like figure.
 * (3) `/politicians/{slug}/record` through the gateway, each member asked once so every answer is
 *     computed (not cached), one request at a time: p50, p99 and max; target p99 <= 50 ms. Then
 *     the same members again, now cached.
 * (4) Export of the million ballots as CSV through the gateway (`GET /api/v1/export/ballots.csv`)
 *     against `COPY (SELECT ... FROM etl.ballots) TO STDOUT (FORMAT csv)` of the same rows, in
 *     rows/s (target >= 0.7); and the serving node's peak RSS over its idle RSS during the export
 *     (target <= 50 MB), from /proc (VmHWM after resetting it, and VmRSS sampled every 20 ms).
 *
 *   npm run bench -- api     BENCH_API_PARTS (1,2,3,4), BENCH_API_BALLOTS (1,000,000), BENCH_ROUNDS (3
 *                            for 4, 5 for 1 and 2), BENCH_SECONDS (3), BENCH_CONNECTIONS (50),
 *                            BENCH_RECORD_REQUESTS (100, at most the 400 members), BENCH_DATABASE_URL,
 *                            BENCH_NATS_URL, BENCH_API_NODE_OPTIONS (V8 flags of the serving node)
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { openStandalone } from "../../runtime/storage/database-registry.ts";
import { applyMigrations } from "../../runtime/storage/migrations.ts";
import { migrationSetOf } from "../../runtime/storage/migration-sets.ts";
import { createPostgresDatabase } from "../../test/storage/test-databases.ts";
import { insertBallots, insertPoliticians } from "../../test/kits/export-fixtures.ts";
import { insertBills } from "../api-fixtures.ts";
import { type ChildNode, startChildNode } from "../child-node.ts";
import { loadUrl, waitUntilServing } from "../http-load.ts";
import type { ApiBenchRole } from "../nodes/api-bench-node.ts";
import type { RecordedAnswer } from "../nodes/plain-http-node.ts";
import { BENCH_NATS_URL, BENCH_POSTGRES_URL } from "../preflight.ts";
import { type Log, type ResultRow, type Sample, type Scenario, compareVariants } from "../scenario.ts";
import { median, percentile } from "../stats.ts";

const NODE_SCRIPT = fileURLToPath(new URL("../nodes/api-bench-node.ts", import.meta.url));
const PLAIN_SCRIPT = fileURLToPath(new URL("../nodes/plain-http-node.ts", import.meta.url));
const MEMBERS = 400;
const BILLS = 500;
const DETAIL_PATH = "/api/v1/bills/44-1/C-42";
const LIST_QUERY = "session=44-1&limit=50";

const NODE_ENV_VARS: NodeJS.ProcessEnv = {
	NODE_ENV: "production",
	JWT_SECRET: "bench-secret-bench-secret-bench-secret-0123",
	LOG_LEVEL: "warn",
	// One client address sends everything: at the production per-IP limit the gateway would answer
	// 429s, which are cheap and would flatter it. The limiter still counts every request.
	RATE_LIMIT_PER_IP: "1000000",
	PORT: "0",
	METRICS_PORT: "",
	TRANSPORTER: "",
	REDIS_URL: "",
	MONGO_URL: ""
};

/** Headers node:http writes itself; every other header of the recorded answer is replayed. */
const TRANSPORT_HEADERS = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);

interface LoadSettings {
	rounds: number;
	seconds: number;
	connections: number;
}

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

async function get(url: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
	const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
	return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** (1) The cached bill detail through the gateway, against node:http replaying its answer. */
async function benchCachedDetail(node: ChildNode, settings: LoadSettings, log: Log): Promise<ResultRow[]> {
	const url = `http://127.0.0.1:${node.port}${DETAIL_PATH}`;
	const first = await get(url);
	if (first.status !== 200) throw new Error(`${DETAIL_PATH} answered ${first.status}: ${first.body.toString("utf8").slice(0, 200)}`);
	const headers = Object.fromEntries([...first.headers].filter(([name]) => !TRANSPORT_HEADERS.has(name)));
	const answer: RecordedAnswer = { status: first.status, headers, bodyBase64: first.body.toString("base64") };
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api-bench-"));
	const file = path.join(dir, "answer.json");
	fs.writeFileSync(file, JSON.stringify(answer));
	const plain = await startChildNode(PLAIN_SCRIPT, [file], {});
	try {
		const plainUrl = `http://127.0.0.1:${plain.port}${DETAIL_PATH}`;
		const replayed = await get(plainUrl);
		if (!replayed.body.equals(first.body)) throw new Error("the plain server's body differs from the gateway's");
		log(`  (1) ${DETAIL_PATH}: ${first.body.length} bytes, ${Object.keys(headers).length} headers, replayed by node:http`);
		const pids = { plain: [plain.process.pid], gateway: [node.process.pid] };
		const options = (which: keyof typeof pids) => ({ seconds: settings.seconds, connections: settings.connections, pids: pids[which], log });
		await loadUrl(plainUrl, { ...options("plain"), seconds: 2 });
		await loadUrl(url, { ...options("gateway"), seconds: 2 });
		return await compareVariants(
			[
				{ name: "baseline: node:http, the same bytes", measure: () => loadUrl(plainUrl, options("plain")) },
				{ name: "platform gateway, cached bill detail", measure: () => loadUrl(url, options("gateway")) }
			],
			{ rounds: settings.rounds, unit: "req/s", log }
		);
	} finally {
		await plain.stop();
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

interface ListPair {
	name: string;
	nodes: ChildNode[];
	url: string;
}

async function startListPair(name: string, roles: [ApiBenchRole, ApiBenchRole], path: string, env: NodeJS.ProcessEnv): Promise<ListPair> {
	const namespace = `bench-api-${randomUUID().slice(0, 8)}`;
	const nodeEnv = (role: ApiBenchRole): NodeJS.ProcessEnv => ({ ...env, NAMESPACE: namespace, TRANSPORTER: BENCH_NATS_URL, NODE_ID: `${namespace}-${role}` });
	const nodes = await Promise.all(roles.map((role) => startChildNode(NODE_SCRIPT, [role], nodeEnv(role))));
	const gateway = nodes.find((n) => n.port > 0);
	const pair = { name, nodes, url: `http://127.0.0.1:${gateway?.port ?? 0}${path}?${LIST_QUERY}` };
	try {
		await waitUntilServing(pair.url);
	} catch (err) {
		await Promise.all(nodes.map((n) => n.stop()));
		throw err;
	}
	return pair;
}

/** (2) The filtered list over NATS: the platform's two nodes against stock moleculer-web's. */
async function benchListOverNats(databaseUrl: string, settings: LoadSettings, log: Log): Promise<ResultRow[]> {
	const env = { ...NODE_ENV_VARS, DATABASE_URL: databaseUrl };
	const pairs: ListPair[] = [];
	try {
		log("  (2) starting three pairs of nodes (gateway + web) on NATS");
		pairs.push(await startListPair("baseline: moleculer-web, stock broker, same store function", ["bare-gateway", "bare-web"], "/web/bills", env));
		pairs.push(await startListPair("platform gateway + web (cached)", ["gateway", "web"], "/api/v1/bills", env));
		pairs.push(await startListPair("platform gateway + web, cacher off", ["gateway", "web"], "/api/v1/bills", { ...env, BENCH_CACHE: "off" }));
		const bodies = await Promise.all(pairs.map(async (p) => (await get(p.url)).body));
		const parsed = bodies.map((b) => JSON.parse(b.toString("utf8")) as unknown);
		if (!parsed.every((p) => isDeepStrictEqual(p, parsed[0]))) throw new Error("the pairs answer different lists");
		const sameBytes = bodies.every((b) => b.equals(bodies[0] as Buffer));
		log(`  (2) ${LIST_QUERY}: ${bodies[0]?.length ?? 0} bytes, the same list from every pair${sameBytes ? ", byte for byte" : " (serialised differently)"}`);
		const options = (pair: ListPair) => ({ seconds: settings.seconds, connections: settings.connections, pids: pair.nodes.map((n) => n.process.pid), log });
		for (const pair of pairs) await loadUrl(pair.url, { ...options(pair), seconds: 2 });
		return await compareVariants(
			pairs.map((pair) => ({ name: pair.name, measure: () => loadUrl(pair.url, options(pair)) })),
			{ rounds: settings.rounds, unit: "req/s", log }
		);
	} finally {
		await Promise.all(pairs.flatMap((p) => p.nodes.map((n) => n.stop())));
	}
}

/** (3) Each member's record once (computed), one request at a time, then again (cached). */
async function benchRecord(node: ChildNode, requests: number, log: Log): Promise<{ p50Ms: number; p99Ms: number; maxMs: number; cachedP99Ms: number }> {
	const slugs = Array.from({ length: Math.min(requests, MEMBERS) }, (_, i) => `member-${(i * 7) % MEMBERS}`);
	const time = async (slug: string): Promise<number> => {
		const started = performance.now();
		const res = await get(`http://127.0.0.1:${node.port}/api/v1/politicians/${slug}/record`);
		const ms = performance.now() - started;
		if (res.status !== 200) throw new Error(`the record of ${slug} answered ${res.status}: ${res.body.toString("utf8").slice(0, 200)}`);
		return ms;
	};
	const computed: number[] = [];
	for (const slug of slugs) {
		computed.push(await time(slug));
		if (computed.length % 50 === 0) log(`  (3) ${computed.length}/${slugs.length} records, p50 so far ${median(computed).toFixed(1)} ms`);
	}
	const cached: number[] = [];
	for (const slug of slugs) cached.push(await time(slug));
	const result = { p50Ms: percentile(computed, 50), p99Ms: percentile(computed, 99), maxMs: Math.max(...computed), cachedP99Ms: percentile(cached, 99) };
	log(
		`  (3) /politicians/{slug}/record on ${(MEMBERS * Math.ceil(1_000_000 / MEMBERS)).toLocaleString("en-CA")} ballots, ${slugs.length} members once each: ` +
			`p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, max ${result.maxMs.toFixed(1)} ms (target p99 <= 50 ms); cached: p99 ${result.cachedP99Ms.toFixed(1)} ms`
	);
	return result;
}

/** (4) The export of every ballot through the gateway against COPY TO STDOUT, and the node's peak RSS. */
async function benchExport(node: ChildNode, databaseUrl: string, total: number, rounds: number, log: Log): Promise<{ ratio: number; peakOverIdleMb: number }> {
	const pid = node.process.pid ?? 0;
	const exportUrl = `http://127.0.0.1:${node.port}/api/v1/export/ballots.csv`;
	// Warm the code paths so "idle" is the node ready to serve, not one still loading modules.
	for (let i = 0; i < 3; i++) await download(`${exportUrl}?vote=44-1/${i + 1}`);
	const idleKb = statusKb(pid, "VmRSS");
	log(`  (4) serving node idle: ${(idleKb / 1024).toFixed(0)} MB RSS`);
	const sql = "SELECT session, vote_number, politician_slug, membership_id, ballot, dissent FROM etl.ballots ORDER BY session, vote_number";
	const peaks: number[] = [];
	const rows = await compareVariants(
		[
			{
				name: "COPY (SELECT ... FROM etl.ballots) TO STDOUT (FORMAT csv)",
				measure: async () => {
					const sample = await copyOut(databaseUrl, sql);
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
	return { ratio, peakOverIdleMb };
}

export interface ApiBenchResult {
	cachedDetailRatio?: number;
	listOverNatsRatio?: number;
	listOverNatsUncachedRatio?: number;
	record?: Awaited<ReturnType<typeof benchRecord>>;
	export?: Awaited<ReturnType<typeof benchExport>>;
}

export async function runApiBench(log: Log, ballots = Number(process.env.BENCH_API_BALLOTS ?? 1_000_000)): Promise<ApiBenchResult> {
	const parts = new Set((process.env.BENCH_API_PARTS ?? "1,2,3,4").split(",").map((p) => p.trim()));
	const votes = Math.ceil(ballots / MEMBERS);
	const total = votes * MEMBERS;
	const rounds = process.env.BENCH_ROUNDS ? Number(process.env.BENCH_ROUNDS) : undefined;
	const load: LoadSettings = { rounds: rounds ?? 5, seconds: Number(process.env.BENCH_SECONDS ?? 3), connections: Number(process.env.BENCH_CONNECTIONS ?? 50) };
	const database = await createPostgresDatabase(BENCH_POSTGRES_URL);
	const result: ApiBenchResult = {};
	let local: ChildNode | undefined;
	try {
		const db = await openStandalone(database.config);
		try {
			await applyMigrations(db, [migrationSetOf("etl"), migrationSetOf("web")], "api-bench");
			const started = performance.now();
			await insertPoliticians(db, MEMBERS);
			await insertBallots(db, votes, MEMBERS);
			await insertBills(db, BILLS, MEMBERS);
			await db.exec("ANALYZE");
			log(`  generated ${total.toLocaleString("en-CA")} ballots (${votes} votes of ${MEMBERS}) and ${BILLS} bills in ${((performance.now() - started) / 1000).toFixed(1)} s`);
		} finally {
			await db.close();
		}
		const env = { ...NODE_ENV_VARS, DATABASE_URL: database.url };
		if (parts.has("1") || parts.has("3") || parts.has("4")) {
			const nodeOptions = process.env.BENCH_API_NODE_OPTIONS ?? "";
			if (nodeOptions) log(`  serving node runs with NODE_OPTIONS=${nodeOptions}`);
			local = await startChildNode(NODE_SCRIPT, ["local"], { ...env, NODE_OPTIONS: nodeOptions });
		}
		if (parts.has("1") && local) {
			const rows = await benchCachedDetail(local, load, log);
			result.cachedDetailRatio = rows[1]?.ratio;
			log(`  (1) cached detail, gateway / node:http: ${(result.cachedDetailRatio ?? Number.NaN).toFixed(2)} (target >= 0.50)`);
		}
		if (parts.has("2")) {
			const rows = await benchListOverNats(database.url, load, log);
			result.listOverNatsRatio = rows[1]?.ratio;
			result.listOverNatsUncachedRatio = rows[2]?.ratio;
			log(`  (2) list over NATS, platform / stock: ${(result.listOverNatsRatio ?? Number.NaN).toFixed(2)} (target >= 1.0); with the cacher off ${(result.listOverNatsUncachedRatio ?? Number.NaN).toFixed(2)}`);
		}
		if (parts.has("3") && local) result.record = await benchRecord(local, Number(process.env.BENCH_RECORD_REQUESTS ?? 100), log);
		if (parts.has("4") && local) result.export = await benchExport(local, database.url, total, rounds ?? 3, log);
		return result;
	} finally {
		await local?.stop();
		await database.drop();
	}
}

export const apiScenario: Scenario = {
	name: "api",
	description: "Public API: cached bill detail against node:http, a list over NATS against stock moleculer-web, a record's p99, export of 1M ballots against COPY",
	requires: ["postgres", "nats"],
	run: (log: Log) => runApiBench(log)
};

if (import.meta.main) await runApiBench((line) => process.stdout.write(`${line}\n`));
