/**
 * The relational store on a real PostgreSQL server through a `pg` pool.
 * Every failure to reach the server becomes a DatabaseUnavailableError (503) within the connect
 * timeout, so callers fail fast instead of hanging while PostgreSQL is down.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Database, DatabaseConfig, InsertOptions, KeysetRead, QueryResult, Row, StreamOptions, TransactionExecutor, TransactionOptions } from "./database.ts";
import { copyChunks } from "./copy-text.ts";
import { toStorageError } from "./errors.ts";
import { insertRows } from "./insert-rows.ts";
import { quoteIdent, quoteQualified } from "./sql-identifiers.ts";

type PostgresConfig = Extract<DatabaseConfig, { kind: "postgres" }>;

const INT8_OID = 20;

// PGlite returns int8 (count(*), bigserial) as a JS number and pg as a string; numbers on both keep
// service code backend-neutral. Values past 2^53 stay strings rather than lose digits.
const typeParsers: pg.CustomTypesConfig = {
	getTypeParser: ((oid: number, format?: string) => {
		if (oid === INT8_OID && format !== "binary") {
			return (text: string) => {
				const n = Number(text);
				return Number.isSafeInteger(n) ? n : text;
			};
		}
		return pg.types.getTypeParser(oid, format as "text");
	}) as pg.CustomTypesConfig["getTypeParser"]
};

function describeUrl(url: string): string {
	try {
		const u = new URL(url);
		return `PostgreSQL ${u.hostname}:${u.port || "5432"}${u.pathname}`;
	} catch {
		return "PostgreSQL";
	}
}

/** pg's client-side read timeout for work allowed to run long (its timer needs a number; 0 means "use the default"). */
const LONG_RUNNING_MS = 24 * 3_600_000;

async function run<R extends Row>(client: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[], readTimeoutMs?: number): Promise<QueryResult<R>> {
	try {
		const config: pg.QueryConfig = { text, values: params as unknown[] | undefined, ...(readTimeoutMs ? { query_timeout: readTimeoutMs } : {}) };
		const result = await client.query<R>(config);
		return { rows: result.rows ?? [], rowCount: result.rowCount ?? 0 };
	} catch (err) {
		throw toStorageError(err);
	}
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
	try {
		return await pool.connect();
	} catch (err) {
		throw toStorageError(err);
	}
}

/** COPY FROM STDIN on one client: the rows go in as ~64 kB chunks of COPY text. */
async function copyOn(client: pg.PoolClient, table: string, columns: readonly string[], rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>): Promise<number> {
	const sql = `COPY ${quoteQualified(table)} (${columns.map(quoteIdent).join(", ")}) FROM STDIN`;
	const copy = client.query(Object.assign(copyFrom(sql), { query_timeout: LONG_RUNNING_MS }));
	await pipeline(Readable.from(copyChunks(rows)), copy);
	return copy.rowCount;
}

let cursorCounter = 0;

export class PgDatabase implements Database {
	readonly kind = "postgres";
	readonly description: string;
	private readonly pool: pg.Pool;

	constructor(config: PostgresConfig, onIdleError: (err: Error) => void) {
		this.description = describeUrl(config.url);
		this.pool = new pg.Pool({
			connectionString: config.url,
			max: config.poolSize,
			application_name: config.applicationName,
			connectionTimeoutMillis: config.connectTimeoutMs,
			statement_timeout: config.statementTimeoutMs,
			// A server that stops answering without closing the socket must not hang a caller forever.
			query_timeout: config.statementTimeoutMs + config.connectTimeoutMs,
			idle_in_transaction_session_timeout: Math.max(config.statementTimeoutMs, 60_000),
			idleTimeoutMillis: 30_000,
			keepAlive: true,
			types: typeParsers
		});
		// Without a listener, an idle client losing its server (PostgreSQL restarting) crashes the process.
		this.pool.on("error", onIdleError);
	}

	query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
		return run<R>(this.pool, text, params);
	}

	async exec(script: string): Promise<void> {
		// Without parameters pg uses the simple query protocol, which accepts several statements.
		await run(this.pool, script);
	}

	async transaction<T>(work: (tx: TransactionExecutor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
		const client = await connect(this.pool);
		let broken: Error | undefined;
		const readTimeout = options.longRunning ? LONG_RUNNING_MS : undefined;
		try {
			await run(client, "BEGIN");
			if (options.longRunning) await run(client, "SET LOCAL statement_timeout = 0");
			const tx: TransactionExecutor = {
				query: (text, params) => run(client, text, params, readTimeout),
				exec: async (script) => void (await run(client, script, undefined, readTimeout)),
				copyRows: async (table, columns, rows) => {
					try {
						return await copyOn(client, table, columns, rows);
					} catch (err) {
						throw toStorageError(err);
					}
				}
			};
			const result = await work(tx);
			await run(client, "COMMIT");
			return result;
		} catch (err) {
			try {
				await client.query("ROLLBACK");
			} catch (rollbackErr) {
				// The connection is unusable: drop it from the pool instead of handing it out again.
				broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
			}
			throw toStorageError(err);
		} finally {
			client.release(broken);
		}
	}

	async *streamRows<R extends Row = Row>(text: string, params?: readonly unknown[], options: StreamOptions = {}): AsyncGenerator<R, void, undefined> {
		const batchSize = options.batchSize ?? 1_000;
		const cursor = quoteIdent(`op_cursor_${process.pid}_${++cursorCounter}`);
		const client = await connect(this.pool);
		let broken: Error | undefined;
		try {
			await run(client, "BEGIN READ ONLY");
			// An export may take longer than one statement may; the cursor's FETCHes are short anyway.
			await run(client, `DECLARE ${cursor} NO SCROLL CURSOR FOR ${text}`, params);
			for (;;) {
				const { rows } = await run<R>(client, `FETCH FORWARD ${batchSize} FROM ${cursor}`);
				for (const row of rows) yield row;
				if (rows.length < batchSize) break;
			}
			await run(client, "COMMIT");
		} catch (err) {
			broken = err instanceof Error ? err : new Error(String(err));
			throw err;
		} finally {
			if (!broken) {
				// Reached when the consumer stops early (break/return): end the transaction cleanly.
				try {
					await client.query("ROLLBACK");
				} catch (err) {
					broken = err instanceof Error ? err : new Error(String(err));
				}
			}
			client.release(broken);
		}
	}

	async *streamBatches<R extends Row = Row>(read: KeysetRead, options: StreamOptions = {}): AsyncGenerator<R[], void, undefined> {
		const batchSize = options.batchSize ?? 1_000;
		const cursor = quoteIdent(`op_cursor_${process.pid}_${++cursorCounter}`);
		const client = await connect(this.pool);
		let broken: Error | undefined;
		let finished = false;
		try {
			await run(client, "BEGIN READ ONLY");
			await run(client, `DECLARE ${cursor} NO SCROLL CURSOR FOR ${read.statement()}`, read.params);
			const fetch = (): Promise<QueryResult<R>> => {
				const next = run<R>(client, `FETCH FORWARD ${batchSize} FROM ${cursor}`);
				// Observed when awaited; this only keeps a consumer that stopped early from leaving it unhandled.
				next.catch(() => undefined);
				return next;
			};
			let pending = fetch();
			for (;;) {
				const { rows } = await pending;
				const more = rows.length === batchSize;
				// The next batch is asked for before this one is handed on: the server reads while the consumer writes.
				if (more) pending = fetch();
				yield rows;
				if (!more) break;
			}
			await run(client, "COMMIT");
			finished = true;
		} catch (err) {
			broken = err instanceof Error ? err : new Error(String(err));
			throw err;
		} finally {
			if (!broken && !finished) {
				// The consumer stopped early (a client that went away): end the transaction, keep the connection.
				try {
					await client.query("ROLLBACK");
				} catch (err) {
					broken = err instanceof Error ? err : new Error(String(err));
				}
			}
			client.release(broken);
		}
	}

	async copyRows(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>): Promise<number> {
		const client = await connect(this.pool);
		let broken: Error | undefined;
		try {
			// A bulk load is bounded by its input, not by the timeouts meant for interactive queries.
			await run(client, "SET statement_timeout = 0");
			const copied = await copyOn(client, table, columns, rows);
			await run(client, "RESET statement_timeout");
			return copied;
		} catch (err) {
			broken = err instanceof Error ? err : new Error(String(err));
			throw toStorageError(err);
		} finally {
			client.release(broken);
		}
	}

	insertRows(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>, options?: InsertOptions): Promise<number> {
		return this.transaction((tx) => insertRows(tx, table, columns, rows, options));
	}

	async ping(timeoutMs: number): Promise<void> {
		let timer: NodeJS.Timeout | undefined;
		try {
			await Promise.race([
				this.query("SELECT 1"),
				new Promise<never>((_, reject) => {
					timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
				})
			]);
		} finally {
			clearTimeout(timer);
		}
	}

	async close(): Promise<void> {
		await this.pool.end();
	}
}
