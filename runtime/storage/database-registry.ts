/**
 * One database handle per process and configuration, shared by every service on the node.
 * PGlite must be opened once per process (two instances on one folder corrupt it) and a pg pool
 * per service would multiply connections by twelve; reference counting closes the handle when
 * the last service using it stops.
 */
import type { Database, DatabaseConfig } from "./database.ts";
import { PgDatabase } from "./pg-database.ts";
import { PgliteDatabase } from "./pglite-database.ts";

interface Entry {
	database: Promise<Database>;
	users: number;
}

const open = new Map<string, Entry>();

function keyOf(config: DatabaseConfig): string {
	return config.kind === "postgres" ? `pg|${config.url}|${config.applicationName}` : `pglite|${config.dataDir ?? ""}`;
}

export type IdleErrorHandler = (err: Error) => void;

export function acquireDatabase(config: DatabaseConfig, onIdleError: IdleErrorHandler = () => undefined): Promise<Database> {
	const key = keyOf(config);
	let entry = open.get(key);
	if (!entry) {
		const database = config.kind === "postgres" ? Promise.resolve<Database>(new PgDatabase(config, onIdleError)) : PgliteDatabase.open(config.dataDir);
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

/** Opens a database for a tool (bin/migrate.ts, benchmarks) outside any broker. */
export function openStandalone(config: DatabaseConfig): Promise<Database> {
	return config.kind === "postgres" ? Promise.resolve(new PgDatabase(config, () => undefined)) : PgliteDatabase.open(config.dataDir);
}
