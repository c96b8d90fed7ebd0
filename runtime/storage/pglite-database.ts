/**
 * The relational store embedded in the process: PGlite (PostgreSQL 18 compiled to WebAssembly).
 * It has one connection, so the process opens it once and every service on the node shares it
 * (see database-registry.ts); file-backed under DATA_DIR for `npm start`, in memory for tests.
 */
import fs from "node:fs";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import type { Database, InsertOptions, KeysetRead, QueryResult, Row, StreamOptions, TransactionExecutor, TransactionOptions } from "./database.ts";
import { copyLine } from "./copy-text.ts";
import { insertRows } from "./insert-rows.ts";
import { quoteIdent, quoteQualified } from "./sql-identifiers.ts";
import { lockDataDir } from "./data-dir-lock.ts";
import { pgliteOptions } from "./pglite-options.ts";

/**
 * Contrib extensions a migration may create: PGlite ships them as separate bundles that must be
 * named when it opens (unaccent: accent-insensitive search, services/etl/migrations/005).
 */
const EXTENSIONS = { unaccent };

/** Rows per COPY blob: bounds the memory a load holds at once without losing COPY's speed. */
const COPY_CHUNK_ROWS = 50_000;

async function run<R extends Row>(target: PGlite | Transaction, text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
	const result = await target.query<R>(text, params as unknown[] | undefined);
	return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length };
}

/**
 * COPY through PGlite's pg adapter killed the WebAssembly instance (docs/decisions/0002-storage.md); its own
 * `FROM '/dev/blob'` reads a Blob handed to the query, so the rows go in as text blobs.
 */
async function copyIn(tx: Transaction, table: string, columns: readonly string[], rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>): Promise<number> {
	const sql = `COPY ${quoteQualified(table)} (${columns.map(quoteIdent).join(", ")}) FROM '/dev/blob'`;
	let copied = 0;
	let parts: string[] = [];
	const flush = async (): Promise<void> => {
		if (parts.length === 0) return;
		const result = await tx.query(sql, [], { blob: new Blob(parts) });
		copied += result.rowCount ?? result.affectedRows ?? parts.length;
		parts = [];
	};
	for await (const row of rows) {
		parts.push(copyLine(row));
		if (parts.length >= COPY_CHUNK_ROWS) await flush();
	}
	await flush();
	return copied;
}

let cursorCounter = 0;

export class PgliteDatabase implements Database {
	readonly kind = "pglite";
	readonly description: string;
	private readonly db: PGlite;
	private readonly unlock: () => void;

	private constructor(db: PGlite, description: string, unlock: () => void) {
		this.db = db;
		this.description = description;
		this.unlock = unlock;
	}

	static async open(dataDir: string | undefined): Promise<PgliteDatabase> {
		if (!dataDir) return new PgliteDatabase(await PGlite.create({ ...pgliteOptions(), extensions: EXTENSIONS }), "PGlite in memory", () => undefined);
		fs.mkdirSync(dataDir, { recursive: true });
		const unlock = lockDataDir(dataDir);
		try {
			return new PgliteDatabase(await PGlite.create(dataDir, { ...pgliteOptions(), extensions: EXTENSIONS }), `PGlite ${dataDir}`, unlock);
		} catch (err) {
			unlock();
			throw err;
		}
	}

	/** PGlite's own dump of the whole data folder: a gzipped tarball (`npm run backup`). */
	async dumpDataDir(): Promise<Blob> {
		return this.db.dumpDataDir("gzip");
	}

	/** Creates the data folder from a `dumpDataDir` tarball; the folder must not hold a database yet. */
	static async restoreDataDir(dataDir: string, tarball: Blob): Promise<void> {
		fs.mkdirSync(dataDir, { recursive: true });
		const unlock = lockDataDir(dataDir);
		try {
			const db = await PGlite.create(dataDir, { ...pgliteOptions(), extensions: EXTENSIONS, loadDataDir: tarball });
			await db.close();
		} finally {
			unlock();
		}
	}

	query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
		return run<R>(this.db, text, params);
	}

	async exec(script: string): Promise<void> {
		await this.db.exec(script);
	}

	transaction<T>(work: (tx: TransactionExecutor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
		return this.db.transaction(async (tx) => {
			if (options.longRunning) await tx.query("SET LOCAL statement_timeout = 0");
			return work({
				query: (text, params) => run(tx, text, params),
				exec: async (script) => void (await tx.exec(script)),
				copyRows: (table, columns, rows) => copyIn(tx, table, columns, rows)
			});
		});
	}

	async *streamRows<R extends Row = Row>(text: string, params?: readonly unknown[], options: StreamOptions = {}): AsyncGenerator<R, void, undefined> {
		const batchSize = options.batchSize ?? 1_000;
		const cursor = quoteIdent(`op_cursor_${++cursorCounter}`);
		// WITH HOLD outside a transaction: the one shared connection is not held for as long as a slow
		// reader takes (a client downloading an export), at the cost of materialising the result in
		// PGlite's memory, which on a laptop-sized database is acceptable.
		await run(this.db, `DECLARE ${cursor} NO SCROLL CURSOR WITH HOLD FOR ${text}`, params);
		try {
			for (;;) {
				const { rows } = await run<R>(this.db, `FETCH FORWARD ${batchSize} FROM ${cursor}`);
				for (const row of rows) yield row;
				if (rows.length < batchSize) break;
			}
		} finally {
			await run(this.db, `CLOSE ${cursor}`);
		}
	}

	async *streamBatches<R extends Row = Row>(read: KeysetRead, options: StreamOptions = {}): AsyncGenerator<R[], void, undefined> {
		const batchSize = options.batchSize ?? 1_000;
		// A page per statement, after the last key seen: nothing is materialised or held between pages,
		// and other work on the one connection runs in between. Pages are separate snapshots.
		let after: unknown[] | undefined;
		for (;;) {
			const base = read.params.length;
			const keyParams = after ?? [];
			const page = {
				after: after ? `(${keyParams.map((_, i) => `$${base + i + 1}`).join(", ")})` : undefined,
				limit: `$${base + keyParams.length + 1}`
			};
			const { rows } = await run<R>(this.db, read.statement(page), [...read.params, ...keyParams, batchSize]);
			if (rows.length > 0) yield rows;
			if (rows.length < batchSize) return;
			const last = rows[rows.length - 1] as R;
			after = read.keyFields.map((field) => last[field]);
		}
	}

	async copyRows(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>): Promise<number> {
		return this.db.transaction((tx) => copyIn(tx, table, columns, rows));
	}

	insertRows(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>, options?: InsertOptions): Promise<number> {
		return this.transaction((tx) => insertRows(tx, table, columns, rows, options));
	}

	async ping(): Promise<void> {
		await this.db.query("SELECT 1");
	}

	async close(): Promise<void> {
		if (!this.db.closed) await this.db.close();
		this.unlock();
	}
}
