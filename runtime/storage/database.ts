/**
 * The relational store as services see it: one interface over a `pg` pool (DATABASE_URL set) or
 * an embedded PGlite (unset). Both speak the same SQL; the differences that leak (PGlite is
 * PostgreSQL 18, production 15) are listed in docs/decisions/0002-storage.md.
 */

export type Row = Record<string, unknown>;

export interface QueryResult<R extends Row = Row> {
	rows: R[];
	/** Rows returned or changed by the statement. */
	rowCount: number;
}

export interface SqlExecutor {
	query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
	/** Runs a script of several statements without parameters (a migration file). */
	exec(script: string): Promise<void>;
}

/** What a transaction's work gets: statements, and COPY on the transaction's own connection. */
export interface TransactionExecutor extends SqlExecutor {
	/**
	 * COPY inside the transaction, so the rows commit or roll back with the rest of its work (a
	 * bulk load that must be atomic with a checkpoint). Same encoding as Database.copyRows.
	 */
	copyRows(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>): Promise<number>;
}

export interface StreamOptions {
	/** Rows fetched from the server at a time; memory stays bounded by one batch. */
	batchSize?: number;
}

/**
 * A read in key order that either backend can stream with flat memory (streamBatches): PostgreSQL
 * reads `statement()` through a server-side cursor in one snapshot; PGlite, whose one connection
 * cannot be held for as long as a slow consumer takes, reads it page by page after the last key.
 */
export interface KeysetRead {
	/**
	 * The statement, ordered by the key. Without `page`: every row. With `page`: only rows whose key
	 * is after `page.after` (a row constructor of placeholders, absent for the first page; splice in
	 * `AND (key columns) > ${page.after}`) and at most `page.limit` rows (`LIMIT ${page.limit}`).
	 * One result row per key: a page shorter than its limit is the last.
	 */
	statement(page?: KeysetPage): string;
	params: readonly unknown[];
	/** The result fields holding each row's key, in ORDER BY order. */
	keyFields: readonly string[];
}

export interface KeysetPage {
	after: string | undefined;
	limit: string;
}

export interface InsertOptions {
	/** Appended after VALUES, e.g. `ON CONFLICT (id) DO NOTHING`. */
	suffix?: string;
	/** Rows per statement (default 1,000; capped by PostgreSQL's 65,535 parameters). */
	batchSize?: number;
}

export interface TransactionOptions {
	/**
	 * For work that may legitimately outlast the statement timeout (migrations, waiting for another
	 * node's migration): no statement timeout inside, and no client-side read timeout either.
	 */
	longRunning?: boolean;
}

export type DatabaseKind = "postgres" | "pglite";

export interface Database extends SqlExecutor {
	readonly kind: DatabaseKind;
	/** Where it points, without credentials, for logs and health details. */
	readonly description: string;
	/** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
	transaction<T>(work: (tx: TransactionExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
	/** Rows of a query read through a server-side cursor, so an export never holds the whole result. */
	streamRows<R extends Row = Row>(text: string, params?: readonly unknown[], options?: StreamOptions): AsyncGenerator<R, void, undefined>;
	/**
	 * A keyset read in batches of at most `batchSize` rows, each fetched only when the consumer asks
	 * for it (PostgreSQL fetches one batch ahead), so memory holds about two batches whatever the size.
	 */
	streamBatches<R extends Row = Row>(read: KeysetRead, options?: StreamOptions): AsyncGenerator<R[], void, undefined>;
	/** The fastest bulk load each backend has (COPY FROM STDIN on PostgreSQL, COPY from a blob on PGlite). */
	copyRows(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>): Promise<number>;
	/** Multi-row INSERT in batches; the path for upserts, which COPY cannot do. */
	insertRows(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>, options?: InsertOptions): Promise<number>;
	/** Resolves when the server answers `SELECT 1` within `timeoutMs`. */
	ping(timeoutMs: number): Promise<void>;
	close(): Promise<void>;
}

export type DatabaseConfig =
	| {
			kind: "postgres";
			url: string;
			/** application_name, so `pg_stat_activity` shows which node holds a connection. */
			applicationName: string;
			poolSize: number;
			statementTimeoutMs: number;
			connectTimeoutMs: number;
	  }
	| {
			kind: "pglite";
			/** A folder for a file-backed database, or undefined for one in memory. */
			dataDir: string | undefined;
	  };
