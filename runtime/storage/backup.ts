/**
 * `npm run backup` and `npm run restore`: the whole relational store to one file and back.
 * PostgreSQL: pg_dump's custom format (compressed, restorable table by table with pg_restore),
 * which needs pg_dump and pg_restore of the server's major version or newer on the PATH.
 * The embedded store: PGlite's own `dumpDataDir` (a gzipped tarball of its data folder), loaded
 * back with `loadDataDir`; the node using that folder must be stopped first (one process per folder).
 *
 * A restore goes into an empty database only, unless `force` says to replace what is there:
 * restoring over live data by mistake would be the worst way to lose it.
 */
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import pg from "pg";
import type { DatabaseConfig } from "./database.ts";
import { PgliteDatabase } from "./pglite-database.ts";

export class BackupError extends Error {
	override name = "BackupError";
}

export type BackupFormat = "pg_dump" | "pglite";

/** pg_dump's custom format starts with these bytes; PGlite's dump is a gzipped tar. */
const PG_DUMP_MAGIC = "PGDMP";
const GZIP_MAGIC = [0x1f, 0x8b];
const LOCK_FILE = "openpolicy.lock";

function runTool(command: string, args: string[]): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
		let stderr = "";
		child.stderr.on("data", (c: Buffer) => {
			stderr = (stderr + c.toString("utf8")).slice(-4_000);
		});
		child.once("error", (err) => reject(new BackupError(`${command} could not run (${err.message}): install the PostgreSQL client tools (Debian: postgresql-client-15)`)));
		child.once("exit", (code) => (code === 0 ? resolve() : reject(new BackupError(`${command} failed (exit ${code ?? "?"}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`))));
	});
}

export async function detectFormat(file: string): Promise<BackupFormat> {
	const handle = await fs.open(file, "r").catch((err: NodeJS.ErrnoException) => {
		throw new BackupError(`Cannot read ${file}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
	});
	try {
		const { buffer, bytesRead } = await handle.read(Buffer.alloc(5), 0, 5, 0);
		if (bytesRead === 5 && buffer.toString("latin1") === PG_DUMP_MAGIC) return "pg_dump";
		if (buffer[0] === GZIP_MAGIC[0] && buffer[1] === GZIP_MAGIC[1]) return "pglite";
		throw new BackupError(`${file} is neither a pg_dump archive nor a PGlite dump`);
	} finally {
		await handle.close();
	}
}

export async function backupDatabase(config: DatabaseConfig, out: string): Promise<{ format: BackupFormat; bytes: number }> {
	if (config.kind === "postgres") {
		await runTool("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file", out, "--dbname", config.url]);
		return { format: "pg_dump", bytes: (await fs.stat(out)).size };
	}
	if (!config.dataDir) throw new BackupError("The embedded database is in memory (NODE_ENV=test): there is nothing on disk to back up");
	const db = await PgliteDatabase.open(config.dataDir);
	try {
		const tarball = await db.dumpDataDir();
		await fs.writeFile(out, Buffer.from(await tarball.arrayBuffer()));
		return { format: "pglite", bytes: tarball.size };
	} finally {
		await db.close();
	}
}

/** Tables outside PostgreSQL's own schemas. */
async function postgresTables(url: string): Promise<number> {
	const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
	await client.connect();
	try {
		const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')");
		return Number(rows[0]?.n ?? 0);
	} finally {
		await client.end();
	}
}

async function folderHolds(dir: string): Promise<string[]> {
	return (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f !== LOCK_FILE);
}

export async function restoreDatabase(config: DatabaseConfig, file: string, options: { force?: boolean } = {}): Promise<{ format: BackupFormat; replaced: boolean }> {
	const format = await detectFormat(file);
	if (config.kind === "postgres") {
		if (format !== "pg_dump") throw new BackupError(`${file} is a PGlite dump: restore it with DATABASE_URL unset (into DATA_DIR)`);
		const tables = await postgresTables(config.url);
		if (tables > 0 && !options.force) {
			throw new BackupError(`The database already holds ${tables} table(s): restore into an empty database, or pass --force to replace them`);
		}
		const clean = tables > 0 ? ["--clean", "--if-exists"] : [];
		await runTool("pg_restore", [...clean, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname", config.url, file]);
		return { format, replaced: tables > 0 };
	}
	if (format !== "pglite") throw new BackupError(`${file} is a pg_dump archive: restore it into PostgreSQL (set DATABASE_URL)`);
	if (!config.dataDir) throw new BackupError("The embedded database is in memory (NODE_ENV=test): set DATA_DIR to restore into a folder");
	const present = await folderHolds(config.dataDir);
	if (present.length > 0 && !options.force) {
		throw new BackupError(`${config.dataDir} already holds a database: restore into an empty folder, or pass --force to replace it`);
	}
	// Replacing: the folder's lock is checked by the restore itself, so a running node is never overwritten.
	if (present.length > 0) {
		const probe = await PgliteDatabase.open(config.dataDir);
		await probe.close();
		for (const entry of present) await fs.rm(`${config.dataDir}/${entry}`, { recursive: true, force: true });
	}
	const tarball = new Blob([await fs.readFile(file)]);
	await PgliteDatabase.restoreDataDir(config.dataDir, tarball);
	// The dump may carry the lock of the process that made it.
	await fs.rm(`${config.dataDir}/${LOCK_FILE}`, { force: true });
	return { format, replaced: present.length > 0 };
}
