/**
 * `npm run backup -- --out FILE`: the whole relational store in one file (runtime/storage/backup.ts):
 * pg_dump's custom format with DATABASE_URL, PGlite's own dump of DATA_DIR otherwise (stop the node
 * using that folder first). One line on success or failure, never a stack trace.
 */
import { parseArgs } from "node:util";
import { ConfigError, loadEnv } from "../runtime/env.ts";
import { BackupError, backupDatabase } from "../runtime/storage/backup.ts";
import { DataDirInUseError } from "../runtime/storage/data-dir-lock.ts";
import { databaseConfigFromEnv } from "../runtime/storage/database-config.ts";

const USAGE = "usage: npm run backup -- --out FILE";

async function main(argv: string[]): Promise<number> {
	const { values } = parseArgs({ args: argv, options: { out: { type: "string" } } });
	if (!values.out) {
		process.stderr.write(`${USAGE}\n`);
		return 2;
	}
	const env = loadEnv();
	const { format, bytes } = await backupDatabase(databaseConfigFromEnv({ ...env, nodeID: `backup-${process.pid}` }), values.out);
	process.stdout.write(`backup: ${values.out} (${format === "pg_dump" ? "pg_dump custom format" : "PGlite data folder"}, ${bytes} bytes)\n`);
	return 0;
}

try {
	process.exitCode = await main(process.argv.slice(2));
} catch (err) {
	process.stderr.write(`backup: ${err instanceof Error ? err.message : String(err)}\n`);
	process.exitCode = err instanceof ConfigError || (err as { code?: unknown }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? 2 : 1;
	if (!(err instanceof BackupError || err instanceof ConfigError || err instanceof DataDirInUseError) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}
