/**
 * ETL benchmark (issues 5 and 16): 1,000,000 generated ballots (with the politicians and votes they
 * refer to) through the whole pipeline into PostgreSQL — the openparliament connector reading an
 * export folder, validation, transform, raw documents into the document store, COPY into staging
 * and merge with change detection, checkpoints — in ballots/s, against the least work that
 * persists the same information, in the same run: the same raw pages COPYed as text into a bare
 * table, and the same ballot rows COPYed into a bare table (pg + pg-copy-streams, no keys). The
 * pipeline keeps every raw page (lineage), so a baseline of the ballot rows alone was no fair
 * measure. Targets: pipeline / baseline >= 0.6; a rerun over unchanged data >= 1.5x the first run.
 *
 *   node bench/scenarios/etl.ts      (alone)   BENCH_ETL_BALLOTS (default 1,000,000), BENCH_ETL_ROUNDS (3), BENCH_DATABASE_URL
 *   npm run bench -- etl            (through bench/run.ts)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ServiceBroker } from "moleculer";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { copyChunks } from "../../runtime/storage/copy-text.ts";
import { createPostgresDatabase } from "../../test/storage/test-databases.ts";
import { EtlService } from "../../services/etl/etl.service.ts";
import type { Run } from "../../services/etl/etl.contract.ts";
import { type ParliamentSize, ballotAt, ballotCount, politicianItem, voteItem } from "../../test/kits/synthetic-parliament.ts";
import { membershipIdFromUrl, politicianSlugFromUrl, voteRefFromUrl } from "../../services/etl/records/source-refs.ts";
import type { Log, Scenario } from "../scenario.ts";
import { BENCH_POSTGRES_URL } from "../preflight.ts";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";

const FILE_ITEMS = 20_000;

function sizeFor(ballots: number): ParliamentSize {
	const politicians = Math.min(400, ballots);
	return { politicians, bills: 0, votes: Math.ceil(ballots / politicians) };
}

/** An openparliament export folder: politicians, then votes, then ballots (the order the connector reads files). */
function writeExport(dir: string, size: ParliamentSize): void {
	const write = (name: string, items: unknown[]) => fs.writeFileSync(path.join(dir, name), JSON.stringify({ objects: items, pagination: { next_url: null } }));
	write("1-politicians.json", Array.from({ length: size.politicians }, (_, i) => politicianItem(i)));
	write("2-votes.json", Array.from({ length: size.votes }, (_, i) => voteItem(i)));
	const total = ballotCount(size);
	for (let start = 0, file = 0; start < total; start += FILE_ITEMS, file++) {
		const items = Array.from({ length: Math.min(FILE_ITEMS, total - start) }, (_, k) => ballotAt(size, start + k));
		write(`3-ballots-${String(file).padStart(4, "0")}.json`, items);
	}
}

/** The generated ballots as rows of etl.ballots' own columns, for the baseline. */
function* ballotRows(size: ParliamentSize): Generator<unknown[]> {
	const total = ballotCount(size);
	for (let i = 0; i < total; i++) {
		const b = ballotAt(size, i) as { vote_url: string; politician_url: string; politician_membership_url: string; ballot: string };
		const vote = voteRefFromUrl(b.vote_url);
		yield [vote?.session, vote?.number, politicianSlugFromUrl(b.politician_url), membershipIdFromUrl(b.politician_membership_url), b.ballot, false];
	}
}

/** CPU time of this process (all its threads) since `from`, in seconds. */
function cpuSecondsSince(from: NodeJS.CpuUsage): number {
	const used = process.cpuUsage(from);
	return (used.user + used.system) / 1e6;
}

/** The export's files as (key, text) rows: the raw pages as the pipeline reads them. */
function* pageRows(dir: string): Generator<unknown[]> {
	for (const name of fs.readdirSync(dir).sort()) yield [name, fs.readFileSync(path.join(dir, name), "utf8")];
}

interface Timed {
	seconds: number;
	cpuSeconds: number;
}

async function timed(work: () => Promise<void>): Promise<Timed> {
	const started = performance.now();
	const cpu = process.cpuUsage();
	await work();
	return { seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSecondsSince(cpu) };
}

/** The baseline: the raw pages as text, then the ballots as rows, each COPYed into a bare table with no keys. */
async function rawCopy(url: string, dir: string, size: ParliamentSize): Promise<{ pages: Timed; ballots: Timed }> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		await client.query("CREATE TABLE bench_pages_bare (key text, body text)");
		await client.query("CREATE TABLE bench_ballots_bare (session text, vote_number int, politician_slug text, membership_id text, ballot text, dissent boolean)");
		const pages = await timed(() => pipeline(Readable.from(copyChunks(pageRows(dir))), client.query(copyFrom("COPY bench_pages_bare FROM STDIN"))));
		const ballots = await timed(() => pipeline(Readable.from(copyChunks(ballotRows(size))), client.query(copyFrom("COPY bench_ballots_bare FROM STDIN"))));
		return { pages, ballots };
	} finally {
		await client.end();
	}
}

const rate = (n: number, seconds: number): string => Math.round(n / seconds).toLocaleString("en-CA");

interface Round {
	baseline: { pages: Timed; ballots: Timed; seconds: number };
	first: Timed & { run: Run };
	rerun: Timed & { run: Run };
}

async function etlRun(broker: ServiceBroker, dir: string, label: string): Promise<Timed & { run: Run }> {
	let run: Run | undefined;
	const time = await timed(async () => {
		run = await broker.call<Run, Record<string, unknown>>("etl.run", { source: "openparliament", file: dir, wait: true }, { timeout: 0 });
	});
	if (run?.status !== "succeeded") throw new Error(`the ${label} ${run?.status ?? "did not answer"}: ${run?.error ?? ""}`);
	return { ...time, run };
}

/** One round on a database of its own: the baseline, the pipeline's first run, its rerun over unchanged data. */
async function round(dir: string, size: ParliamentSize): Promise<Round> {
	const database = await createPostgresDatabase(BENCH_POSTGRES_URL);
	const broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: `etl-bench-${process.pid}`, logger: false });
	try {
		broker.createService(EtlService({ database: database.config, settings: { schedules: [], batchDocuments: 10_000, batchRecords: 20_000 } }));
		await broker.start();
		const raw = await rawCopy(database.url, dir, size);
		const first = await etlRun(broker, dir, "first run");
		const rerun = await etlRun(broker, dir, "rerun");
		return { baseline: { ...raw, seconds: raw.pages.seconds + raw.ballots.seconds }, first, rerun };
	} finally {
		await broker.stop();
		await database.drop();
	}
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const cpu = (t: Timed): string => `${t.cpuSeconds.toFixed(1)} s of this process's CPU`;

export async function runEtlBench(
	log: Log,
	ballots = Number(process.env.BENCH_ETL_BALLOTS ?? 1_000_000),
	rounds = Number(process.env.BENCH_ETL_ROUNDS ?? 3)
): Promise<{ pipelineRowsPerSecond: number; baselineRowsPerSecond: number; ratio: number; rerunSpeedup: number }> {
	const size = sizeFor(ballots);
	const total = ballotCount(size);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "etl-bench-"));
	try {
		log(`  generating an export of ${total.toLocaleString("en-CA")} ballots (${size.politicians} politicians, ${size.votes} votes); ${rounds} rounds, each on a fresh database`);
		writeExport(dir, size);
		const results: Round[] = [];
		for (let i = 1; i <= rounds; i++) {
			const r = await round(dir, size);
			results.push(r);
			log(`  round ${i}:`);
			log(`    baseline, raw pages as text into a bare table: ${r.baseline.pages.seconds.toFixed(1)} s (${cpu(r.baseline.pages)})`);
			log(`    baseline, ballot rows into a bare table: ${r.baseline.ballots.seconds.toFixed(1)} s (${cpu(r.baseline.ballots)})`);
			log(`    baseline, both: ${rate(total, r.baseline.seconds)} ballots/s (${r.baseline.seconds.toFixed(1)} s)`);
			log(
				`    pipeline (${r.first.run.fetched.toLocaleString("en-CA")} documents, ${r.first.run.inserted.toLocaleString("en-CA")} rows inserted): ${rate(total, r.first.seconds)} ballots/s ` +
					`(${r.first.seconds.toFixed(1)} s; ${cpu(r.first)}, on ${os.availableParallelism()} cores shared with PostgreSQL)`
			);
			log(`    rerun over unchanged data: ${rate(total, r.rerun.seconds)} ballots/s (${r.rerun.seconds.toFixed(1)} s; ${cpu(r.rerun)}), inserted ${r.rerun.run.inserted}, updated ${r.rerun.run.updated}`);
			log(`    pipeline / baseline ${(r.baseline.seconds / r.first.seconds).toFixed(2)}; rerun / first run ${(r.first.seconds / r.rerun.seconds).toFixed(2)}x`);
		}
		// Medians of the rounds' own ratios: each ratio compares phases measured minutes apart at most, on the same load.
		const ratio = median(results.map((r) => r.baseline.seconds / r.first.seconds));
		const rerunSpeedup = median(results.map((r) => r.first.seconds / r.rerun.seconds));
		const pipelineRate = median(results.map((r) => total / r.first.seconds));
		const baselineRate = median(results.map((r) => total / r.baseline.seconds));
		log(`  median pipeline ${Math.round(pipelineRate).toLocaleString("en-CA")} ballots/s, baseline ${Math.round(baselineRate).toLocaleString("en-CA")} ballots/s`);
		log(`  ratio pipeline / baseline (raw pages and ballot rows COPYed bare), median of ${rounds}: ${ratio.toFixed(2)} (target >= 0.60)`);
		log(`  rerun over unchanged data / first run, median of ${rounds}: ${rerunSpeedup.toFixed(2)}x (target >= 1.50x)`);
		return { pipelineRowsPerSecond: pipelineRate, baselineRowsPerSecond: baselineRate, ratio, rerunSpeedup };
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

export const etlScenario: Scenario = {
	name: "etl",
	description: "ETL: 1M generated ballots through the whole pipeline into PostgreSQL, against COPYing its raw pages and ballot rows bare",
	requires: ["postgres"],
	run: (log: Log) => runEtlBench(log)
};

if (import.meta.main) await runEtlBench((line) => process.stdout.write(`${line}\n`));
