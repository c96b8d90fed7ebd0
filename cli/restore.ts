/**
 * `npm run restore -- FILE [--force]`: a backup from `npm run backup` into the database the
 * environment names (DATABASE_URL, else DATA_DIR). Refuses a database that already holds tables
 * unless `--force`, which replaces them. One line on success or failure, never a stack trace.
 */
import { parseArgs } from "node:util";
import { ConfigError, loadEnv } from "../runtime/env.ts";
import { BackupError, restoreDatabase } from "../runtime/storage/backup.ts";
import { DataDirInUseError } from "../runtime/storage/data-dir-lock.ts";
import { databaseConfigFromEnv } from "../runtime/storage/database-config.ts";

const USAGE = "usage: npm run restore -- FILE [--force]";

async function main(argv: string[]): Promise<number> {
	const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: "boolean" } } });
	const file = positionals[0];
	if (!file || positionals.length > 1) {
		process.stderr.write(`${USAGE}\n`);
		return 2;
	}
	const env = loadEnv();
	const { format, replaced } = await restoreDatabase(databaseConfigFromEnv({ ...env, nodeID: `restore-${process.pid}` }), file, { force: values.force === true });
	process.stdout.write(`restore: ${file} (${format}) restored${replaced ? ", replacing what was there" : " into an empty database"}\n`);
	return 0;
}

try {
	process.exitCode = await main(process.argv.slice(2));
} catch (err) {
	process.stderr.write(`restore: ${err instanceof Error ? err.message : String(err)}\n`);
	process.exitCode = err instanceof ConfigError || (err as { code?: unknown }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? 2 : 1;
	if (!(err instanceof BackupError || err instanceof ConfigError || err instanceof DataDirInUseError) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}
