/**
 * `npm run migrate -- status|up`: the operators' view of schema migrations.
 *   status  lists every migration of every owner (applied, pending, changed, missing); exit 1 if one changed
 *   up      applies what is pending, under the same advisory lock nodes take at start
 * Uses the database the environment names (DATABASE_URL, else PGlite in DATA_DIR: stop the node
 * using that folder first, PGlite allows one process per folder).
 */
import { ConfigError, loadEnv } from "../runtime/env.ts";
import { databaseConfigFromEnv } from "../runtime/storage/database-config.ts";
import { openStandalone } from "../runtime/storage/database-registry.ts";
import { MigrationChecksumError } from "../runtime/storage/errors.ts";
import { DOCUMENTS_OWNER, allMigrationSets } from "../runtime/storage/migration-sets.ts";
import { applyMigrations, migrationStatus } from "../runtime/storage/migrations.ts";

const USAGE = "usage: npm run migrate -- status|up";

async function main(command: string | undefined): Promise<number> {
	if (command !== "status" && command !== "up") {
		process.stderr.write(`${USAGE}\n`);
		return 2;
	}
	const env = loadEnv();
	// With MongoDB the document store keeps no tables in PostgreSQL.
	const sets = allMigrationSets().filter((s) => !(env.mongoUrl && s.owner === DOCUMENTS_OWNER));
	const db = await openStandalone(databaseConfigFromEnv(env));
	try {
		process.stdout.write(`database: ${db.description}\n`);
		if (command === "up") {
			const applied = await applyMigrations(db, sets, `migrate@${env.nodeID}`);
			for (const m of applied) process.stdout.write(`applied  ${m.owner}/${String(m.version).padStart(3, "0")}_${m.name}\n`);
			process.stdout.write(applied.length ? `${applied.length} migration(s) applied\n` : "nothing to apply\n");
			return 0;
		}
		const status = await migrationStatus(db, sets);
		for (const s of status) {
			const when = s.appliedAt ? `  ${s.appliedAt.toISOString()} by ${s.appliedBy ?? "?"}` : "";
			process.stdout.write(`${s.state.padEnd(8)} ${s.owner}/${String(s.version).padStart(3, "0")}_${s.name}${when}\n`);
		}
		const counts = new Map<string, number>();
		for (const s of status) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
		process.stdout.write(`${[...counts].map(([state, n]) => `${n} ${state}`).join(", ") || "no migrations"}\n`);
		return status.some((s) => s.state === "changed") ? 1 : 0;
	} finally {
		await db.close();
	}
}

try {
	process.exitCode = await main(process.argv[2]);
} catch (err) {
	const known = err instanceof ConfigError || err instanceof MigrationChecksumError;
	process.stderr.write(`migrate: ${err instanceof Error ? err.message : String(err)}\n`);
	if (!known && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
	process.exitCode = 1;
}
