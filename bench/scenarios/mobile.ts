/**
 * Mobile benchmark (issue 13):
 * 1. a full sync, from empty, of a generated parliament (BENCH_MOBILE_BALLOTS ballots' worth of
 *    votes, default 1,000,000; loaded through the ETL into PostgreSQL) through GET
 *    /mobile/v1/changes over HTTP, in items/s and bytes per item, against a plain SELECT of the same
 *    vote rows as NDJSON (the NDJSON export is not on this branch) and against the NDJSON of the
 *    ballots themselves, which the feed summarises per vote;
 * 2. a 100-item page of /mobile/v1 votes over NATS between two nodes (a caller broker and the
 *    mobile node, in this process), 10 calls in flight (the pool size) for BENCH_MOBILE_SECONDS (default 10):
 *    calls/s and p99.
 *
 *   BENCH_MOBILE_BALLOTS=200000 npm run bench -- mobile
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import pg from "pg";
import { makeBroker, startGatewayNode } from "../../test/kits/gateway-test-kit.ts";
import { createPostgresDatabase } from "../../test/storage/test-databases.ts";
import { EtlService } from "../../services/etl/etl.service.ts";
import type { Run } from "../../services/etl/pipeline/runs.ts";
import { type ParliamentSize, ballotAt, ballotCount, billItem, politicianItem, voteItem } from "../../test/kits/synthetic-parliament.ts";
import { MobileService } from "../../services/mobile/mobile.service.ts";
import type { Log } from "../scenario.ts";
import { percentile } from "../stats.ts";

const FILE_ITEMS = 20_000;

function writeExport(dir: string, size: ParliamentSize): void {
	const write = (name: string, items: unknown[]) => fs.writeFileSync(path.join(dir, name), JSON.stringify({ objects: items, pagination: { next_url: null } }));
	write("1-politicians.json", Array.from({ length: size.politicians }, (_, i) => politicianItem(i)));
	write("2-bills.json", Array.from({ length: size.bills }, (_, i) => billItem(i)));
	write("3-votes.json", Array.from({ length: size.votes }, (_, i) => voteItem(i)));
	const total = ballotCount(size);
	for (let start = 0, file = 0; start < total; start += FILE_ITEMS, file++) {
		write(`4-ballots-${String(file).padStart(4, "0")}.json`, Array.from({ length: Math.min(FILE_ITEMS, total - start) }, (_, k) => ballotAt(size, start + k)));
	}
}

async function fullSync(baseUrl: string, limit: number): Promise<{ items: number; bytes: number; seconds: number; pages: number }> {
	let since: string | undefined;
	let items = 0;
	let bytes = 0;
	let pages = 0;
	const started = performance.now();
	for (;;) {
		const res = await fetch(`${baseUrl}/mobile/v1/changes?limit=${limit}${since ? `&since=${encodeURIComponent(since)}` : ""}`);
		const text = await res.text();
		if (res.status !== 200) throw new Error(`changes answered ${res.status}: ${text.slice(0, 200)}`);
		const body = JSON.parse(text) as { changes: unknown[]; cursor: string; more: boolean };
		bytes += Buffer.byteLength(text);
		items += body.changes.length;
		pages++;
		since = body.cursor;
		if (!body.more) break;
	}
	return { items, bytes, seconds: (performance.now() - started) / 1000, pages };
}

async function plainSelect(url: string): Promise<{ rows: number; bytes: number; seconds: number; ballotNdjsonBytes: number; ballots: number }> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		const started = performance.now();
		const { rows } = await client.query<{ line: string }>("SELECT row_to_json(v)::text AS line FROM (SELECT session, number, date, description_en, description_fr, result, yea_total, nay_total, paired_total, bill_number FROM etl.votes) v");
		let bytes = 0;
		for (const r of rows) bytes += Buffer.byteLength(r.line) + 1;
		const seconds = (performance.now() - started) / 1000;
		const ballots = await client.query<{ n: string; bytes: string }>(
			"SELECT count(*) AS n, sum(octet_length(row_to_json(b)::text) + 1) AS bytes FROM (SELECT session, vote_number, politician_slug, membership_id, ballot FROM etl.ballots) b"
		);
		return { rows: rows.length, bytes, seconds, ballotNdjsonBytes: Number(ballots.rows[0]?.bytes ?? 0), ballots: Number(ballots.rows[0]?.n ?? 0) };
	} finally {
		await client.end();
	}
}

async function listPagesOverNats(databaseConfig: Parameters<typeof MobileService>[0], seconds: number, inFlight: number): Promise<{ perSecond: number; p50: number; p99: number; calls: number }> {
	const namespace = `mobile-bench-${randomUUID().slice(0, 8)}`;
	const transporter = "nats://127.0.0.1:4222";
	const server = makeBroker({ namespace, nodeID: "mobile-node", transporter });
	server.createService(MobileService(databaseConfig));
	const client: ServiceBroker = makeBroker({ namespace, nodeID: "caller-node", transporter });
	await server.start();
	await client.start();
	try {
		await client.waitForServices(["mobile"], 10_000);
		const call = () => client.call<{ items: unknown[] }, Record<string, unknown>>("mobile.v1.votes", { limit: 100 });
		if ((await call()).items.length !== 100) throw new Error("a list page did not have 100 items");
		const latencies: number[] = [];
		const until = performance.now() + seconds * 1000;
		const worker = async (): Promise<void> => {
			while (performance.now() < until) {
				const t = performance.now();
				await call();
				latencies.push(performance.now() - t);
			}
		};
		const started = performance.now();
		await Promise.all(Array.from({ length: inFlight }, worker));
		const elapsed = (performance.now() - started) / 1000;
		return { perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), calls: latencies.length };
	} finally {
		await client.stop();
		await server.stop();
	}
}

export async function runMobileBench(log: Log, ballots = Number(process.env.BENCH_MOBILE_BALLOTS ?? 1_000_000), seconds = Number(process.env.BENCH_MOBILE_SECONDS ?? 10)): Promise<void> {
	const politicians = Math.min(400, ballots);
	const size: ParliamentSize = { politicians, bills: 200, votes: Math.ceil(ballots / politicians) };
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mobile-bench-"));
	const database = await createPostgresDatabase(process.env.BENCH_DATABASE_URL);
	const loader = new ServiceBroker({ nodeID: `mobile-bench-etl-${process.pid}`, logger: false });
	try {
		log(`  generating ${ballotCount(size).toLocaleString("en-CA")} ballots (${size.politicians} politicians, ${size.votes} votes, ${size.bills} bills) and loading them through the ETL`);
		writeExport(dir, size);
		loader.createService(EtlService({ database: database.config, settings: { schedules: [], batchDocuments: 10_000, batchRecords: 20_000 } }));
		await loader.start();
		const run = await loader.call<Run, Record<string, unknown>>("etl.run", { source: "openparliament", file: dir, wait: true }, { timeout: 0 });
		if (run.status !== "succeeded") throw new Error(`the load ${run.status}: ${run.error ?? ""}`);
		await loader.stop();

		const { broker, baseUrl } = await startGatewayNode([MobileService({ database: database.config })]);
		try {
			for (const limit of [500, 2000]) {
				const sync = await fullSync(baseUrl, limit);
				log(`  full sync, pages of ${limit}: ${sync.items.toLocaleString("en-CA")} items in ${sync.pages} pages, ${sync.seconds.toFixed(1)} s = ${Math.round(sync.items / sync.seconds).toLocaleString("en-CA")} items/s, ${Math.round(sync.bytes / sync.items)} bytes/item (${(sync.bytes / 1e6).toFixed(1)} MB)`);
			}
		} finally {
			await broker.stop();
		}
		const plain = await plainSelect(database.url);
		log(`  plain SELECT of the vote rows as NDJSON: ${plain.rows.toLocaleString("en-CA")} rows in ${plain.seconds.toFixed(2)} s = ${Math.round(plain.rows / plain.seconds).toLocaleString("en-CA")} rows/s, ${Math.round(plain.bytes / plain.rows)} bytes/row`);
		log(`  the ballots themselves as NDJSON: ${plain.ballots.toLocaleString("en-CA")} rows, ${(plain.ballotNdjsonBytes / 1e6).toFixed(1)} MB (${Math.round(plain.ballotNdjsonBytes / size.votes)} bytes per vote, summarised in the feed's vote items)`);

		// As many in flight as the node has connections (DATABASE_POOL_SIZE 10): more only queue for one, and past the connect timeout answer 503.
		const page = await listPagesOverNats({ database: database.config }, seconds, 10);
		log(`  100-item vote page over NATS, two nodes, 10 in flight, ${seconds} s: ${Math.round(page.perSecond).toLocaleString("en-CA")} calls/s, p50 ${page.p50.toFixed(1)} ms, p99 ${page.p99.toFixed(1)} ms (${page.calls} calls)`);
	} finally {
		await loader.stop().catch(() => undefined);
		await database.drop();
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

export const mobileScenario = {
	name: "mobile",
	description: "mobile: full sync through /mobile/v1/changes against a plain SELECT; a 100-item page over NATS on two nodes",
	run: (log: Log) => runMobileBench(log)
};

if (import.meta.main) await runMobileBench((line) => process.stdout.write(`${line}\n`));
