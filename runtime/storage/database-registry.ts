/**
 * One database handle per process and configuration, shared by every service on the node.
 * PGlite must be opened once per process (two instances on one folder corrupt it) and a pg pool
 * per service would multiply connections by twelve; reference counting closes the handle when
 * the last service using it stops.
 */
import type { Database, DatabaseConfig } from "./database.ts";

interface Entry {
	database: Promise<Database>;
	users: number;
}

const open = new Map<string, Entry>();

function keyOf(config: DatabaseConfig): string {
	return config.kind === "postgres" ? `pg|${config.url}|${config.applicationName}` : `pglite|${config.dataDir ?? ""}`;
}

export type IdleErrorHandler = (err: Error) => void;

/**
 * Each driver is imported only by a node that uses it: pg and PGlite's JavaScript cost a node
 * that runs on the other some 10 MB of RSS (`npm run bench -- footprint`).
 */
async function openDatabase(config: DatabaseConfig, onIdleError: IdleErrorHandler): Promise<Database> {
	if (config.kind === "postgres") {
		const { PgDatabase } = await import("./pg-database.ts");
		return new PgDatabase(config, onIdleError);
	}
	const { PgliteDatabase } = await import("./pglite-database.ts");
	return PgliteDatabase.open(config.dataDir);
}

export function acquireDatabase(config: DatabaseConfig, onIdleError: IdleErrorHandler = () => undefined): Promise<Database> {
	const key = keyOf(config);
	let entry = open.get(key);
	if (!entry) {
		const database = openDatabase(config, onIdleError);
		entry = { database, users: 0 };
		open.set(key, entry);
		// A PGlite that failed to open must not stay cached as a rejected promise.
		database.catch(() => open.delete(key));
	}
	entry.users++;
	return entry.database;
}

export async function releaseDatabase(config: DatabaseConfig): Promise<void> {
	const key = keyOf(config);
	const entry = open.get(key);
	if (!entry) return;
	if (--entry.users > 0) return;
	open.delete(key);
	await (await entry.database).close();
}

/** Opens a database for a tool (cli/migrate.ts, benchmarks) outside any broker. */
export function openStandalone(config: DatabaseConfig): Promise<Database> {
	return openDatabase(config, () => undefined);
}
