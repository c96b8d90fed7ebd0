/**
 * ETL benchmark (issue 5): 1,000,000 generated ballots (with the politicians and votes they refer
 * to) through the whole pipeline into PostgreSQL — the openparliament connector reading an export
 * folder, validation, transform, raw documents into the document store, COPY into staging and
 * merge with change detection, checkpoints — in rows/s, against a raw COPY of the same ballot rows
 * into a bare table in the same run (pg + pg-copy-streams, no keys). Target: ratio >= 0.6.
 *
 *   node bench/scenarios/etl.ts      (alone)   BENCH_ETL_BALLOTS (default 1,000,000), BENCH_DATABASE_URL
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
import type { Log } from "../scenario.ts";
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

/** The baseline: the same ballots as rows, COPYed raw into a table with no keys. */
async function rawCopy(url: string, size: ParliamentSize): Promise<{ seconds: number; cpuSeconds: number }> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		await client.query("CREATE TABLE bench_ballots_bare (session text, vote_number int, politician_slug text, membership_id text, ballot text, dissent boolean)");
		const started = performance.now();
		const cpu = process.cpuUsage();
		await pipeline(Readable.from(copyChunks(ballotRows(size))), client.query(copyFrom("COPY bench_ballots_bare FROM STDIN")));
		return { seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSecondsSince(cpu) };
	} finally {
		await client.end();
	}
}

export async function runEtlBench(log: Log, ballots = Number(process.env.BENCH_ETL_BALLOTS ?? 1_000_000)): Promise<{ pipelineRowsPerSecond: number; rawCopyRowsPerSecond: number; ratio: number }> {
	const size = sizeFor(ballots);
	const total = ballotCount(size);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "etl-bench-"));
	const database = await createPostgresDatabase(process.env.BENCH_DATABASE_URL);
	const broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: `etl-bench-${process.pid}`, logger: false });
	try {
		log(`  generating an export of ${total.toLocaleString("en-CA")} ballots (${size.politicians} politicians, ${size.votes} votes)`);
		writeExport(dir, size);
		broker.createService(EtlService({ database: database.config, settings: { schedules: [], batchDocuments: 10_000, batchRecords: 20_000 } }));
		await broker.start();

		const raw = await rawCopy(database.url, size);
		const rawRate = total / raw.seconds;
		log(`  raw COPY into a bare table: ${Math.round(rawRate).toLocaleString("en-CA")} rows/s (${raw.seconds.toFixed(1)} s; ${raw.cpuSeconds.toFixed(1)} s of this process's CPU)`);

		const started = performance.now();
		const cpu = process.cpuUsage();
		const run = await broker.call<Run, Record<string, unknown>>("etl.run", { source: "openparliament", file: dir, wait: true }, { timeout: 0 });
		const seconds = (performance.now() - started) / 1000;
		const cpuSeconds = cpuSecondsSince(cpu);
		if (run.status !== "succeeded") throw new Error(`the run ${run.status}: ${run.error ?? ""}`);
		const rate = total / seconds;
		log(`  pipeline (${run.fetched.toLocaleString("en-CA")} documents, ${run.inserted.toLocaleString("en-CA")} rows inserted): ${Math.round(rate).toLocaleString("en-CA")} ballots/s (${seconds.toFixed(1)} s; ${cpuSeconds.toFixed(1)} s of this process's CPU, on ${os.availableParallelism()} cores shared with PostgreSQL)`);

		const again = performance.now();
		const rerun = await broker.call<Run, Record<string, unknown>>("etl.run", { source: "openparliament", file: dir, wait: true }, { timeout: 0 });
		const rerunSeconds = (performance.now() - again) / 1000;
		log(`  rerun over unchanged data: ${Math.round(total / rerunSeconds).toLocaleString("en-CA")} ballots/s, inserted ${rerun.inserted}, updated ${rerun.updated}`);
		const ratio = rate / rawRate;
		log(`  ratio pipeline / raw COPY: ${ratio.toFixed(2)} (target >= 0.60)`);
		return { pipelineRowsPerSecond: rate, rawCopyRowsPerSecond: rawRate, ratio };
	} finally {
		await broker.stop();
		await database.drop();
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

export const etlScenario = {
	name: "etl",
	description: "ETL: 1M generated ballots through the whole pipeline into PostgreSQL, against raw COPY",
	run: (log: Log) => runEtlBench(log)
};

if (import.meta.main) await runEtlBench((line) => process.stdout.write(`${line}\n`));
