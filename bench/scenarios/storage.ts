/**
 * Storage benchmark: rows/s loading 100k bill-like rows by multi-row INSERT and by COPY, on
 * PostgreSQL (DATABASE_URL's server, a throw-away database) and on file-backed PGlite, against a
 * baseline in the same run: raw pg + pg-copy-streams into a bare table with no keys.
 * Ratios are to that baseline, so runs on different machines compare.
 *
 *   node bench/scenarios/storage.ts          (alone)   BENCH_ROWS, BENCH_RUNS, BENCH_DATABASE_URL
 *   npm run bench                            (through bench/run.ts when it registers `storageScenario`)
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Database } from "../../runtime/storage/database.ts";
import { openStandalone } from "../../runtime/storage/database-registry.ts";
import { copyChunks } from "../../runtime/storage/copy-text.ts";
import type { Scenario } from "../scenario.ts";

export interface StorageBenchOptions {
	rows: number;
	runs: number;
	/** A PostgreSQL server URL; the benchmark creates and drops its own database there. */
	serverUrl: string;
}

export interface StorageBenchResult {
	name: string;
	rowsPerSecond: number;
	ratioToBaseline: number;
}

const BILL_COLUMNS = ["id", "number", "session", "title", "introduced", "sponsor_id", "status"] as const;

const TABLE_SQL = `
	CREATE TABLE bench_bare (id bigint, number text, session text, title text, introduced date, sponsor_id int, status text);
	CREATE TABLE bench_bills (
		id bigint PRIMARY KEY, number text NOT NULL, session text NOT NULL, title text NOT NULL,
		introduced date, sponsor_id int, status text NOT NULL, UNIQUE (session, number)
	);`;

function* billRows(count: number): Generator<unknown[]> {
	const statuses = ["Introduced", "Second reading", "Committee", "Royal assent"];
	for (let i = 0; i < count; i++) {
		const session = `${40 + (i % 5)}-${1 + (i % 2)}`;
		yield [i + 1, `C-${i + 1}`, session, `An Act to amend the Example Act (bill ${i + 1}), with a title of ordinary length`, new Date(Date.UTC(2010, 0, 1) + (i % 5000) * 86_400_000), 1 + (i % 338), statuses[i % 4]];
	}
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function measure(runs: number, rows: number, reset: () => Promise<void>, load: () => Promise<number>): Promise<number> {
	const rates: number[] = [];
	for (let r = 0; r < runs; r++) {
		await reset();
		const started = performance.now();
		const loaded = await load();
		const seconds = (performance.now() - started) / 1000;
		if (loaded !== rows) throw new Error(`loaded ${loaded} rows, expected ${rows}`);
		rates.push(rows / seconds);
	}
	return median(rates);
}

async function rawPgCopy(url: string, rows: number): Promise<number> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		const stream = client.query(copyFrom(`COPY bench_bare (${BILL_COLUMNS.join(", ")}) FROM STDIN`));
		await pipeline(Readable.from(copyChunks(billRows(rows))), stream);
		return stream.rowCount;
	} finally {
		await client.end();
	}
}

async function benchDatabase(label: string, db: Database, options: StorageBenchOptions, record: (name: string, rate: number) => void): Promise<void> {
	await db.exec(TABLE_SQL);
	const reset = (table: string) => async (): Promise<void> => void (await db.exec(`TRUNCATE ${table}`));
	const { rows, runs } = options;
	// The bare table shows the wrapper's own cost; the keyed one what a real load with indexes gets.
	record(`${label} COPY, bare table`, await measure(runs, rows, reset("bench_bare"), () => db.copyRows("bench_bare", BILL_COLUMNS, billRows(rows))));
	record(`${label} COPY, table with keys`, await measure(runs, rows, reset("bench_bills"), () => db.copyRows("bench_bills", BILL_COLUMNS, billRows(rows))));
	record(`${label} INSERT 1,000 rows a statement, table with keys`, await measure(runs, rows, reset("bench_bills"), () => db.insertRows("bench_bills", BILL_COLUMNS, billRows(rows))));
}

export async function runStorageBench(options: StorageBenchOptions, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<StorageBenchResult[]> {
	const rates: { name: string; rate: number }[] = [];
	const record = (name: string, rate: number): void => {
		rates.push({ name, rate });
		log(`  ${name.padEnd(56)} ${Math.round(rate).toLocaleString("en-CA").padStart(10)} rows/s`);
	};
	log(`storage: ${options.rows.toLocaleString("en-CA")} rows, median of ${options.runs} runs`);

	const dbName = `op_bench_${randomBytes(5).toString("hex")}`;
	const admin = new pg.Client({ connectionString: options.serverUrl });
	await admin.connect();
	await admin.query(`CREATE DATABASE ${dbName}`);
	const url = new URL(options.serverUrl);
	url.pathname = `/${dbName}`;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "op-bench-pglite-"));
	try {
		const pgDb = await openStandalone({ kind: "postgres", url: url.toString(), applicationName: "bench-storage", poolSize: 2, statementTimeoutMs: 600_000, connectTimeoutMs: 5_000 });
		try {
			await pgDb.exec(TABLE_SQL);
			const baseline = await measure(options.runs, options.rows, async () => void (await pgDb.exec("TRUNCATE bench_bare")), () => rawPgCopy(url.toString(), options.rows));
			record("baseline: raw pg COPY into a bare table", baseline);
			await pgDb.exec("DROP TABLE bench_bare, bench_bills");
			await benchDatabase("PostgreSQL", pgDb, options, record);
		} finally {
			await pgDb.close();
		}
		const lite = await openStandalone({ kind: "pglite", dataDir });
		try {
			await benchDatabase("PGlite (file)", lite, options, record);
		} finally {
			await lite.close();
		}
	} finally {
		fs.rmSync(dataDir, { recursive: true, force: true });
		await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
		await admin.end();
	}

	const baseline = rates[0]?.rate ?? 1;
	const results = rates.map(({ name, rate }) => ({ name, rowsPerSecond: Math.round(rate), ratioToBaseline: Number((rate / baseline).toFixed(2)) }));
	log("  ratios to the baseline:");
	for (const r of results) log(`  ${r.name.padEnd(56)} ${r.ratioToBaseline.toFixed(2).padStart(10)}`);
	return results;
}

export function storageBenchOptionsFromEnv(source: NodeJS.ProcessEnv = process.env): StorageBenchOptions {
	return {
		rows: Number(source.BENCH_ROWS ?? 100_000),
		runs: Number(source.BENCH_RUNS ?? 3),
		serverUrl: source.BENCH_DATABASE_URL ?? source.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
	};
}

/** For bench/run.ts's registry. */
export const storageScenario: Scenario = {
	name: "storage",
	description: "rows/s: multi-row INSERT and COPY on PostgreSQL and PGlite, against raw pg COPY",
	requires: ["postgres"],
	run: () => runStorageBench(storageBenchOptionsFromEnv())
};

if (import.meta.main) await runStorageBench(storageBenchOptionsFromEnv());
