/** Small services over the fixture migrations, used by the db mixin's tests and child processes. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ServiceSchema } from "moleculer";
import { DbMixin } from "../../mixins/db.mixin.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import type { DatabaseConfig } from "../../runtime/storage/database.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURE_MIGRATIONS = path.join(here, "migrations/fixture");
export const READER_MIGRATIONS = path.join(here, "migrations/reader");

/** Owns schema "fixture". */
export function ownerService(database: DatabaseConfig, migrations = FIXTURE_MIGRATIONS): ServiceSchema {
	return {
		name: "fixture",
		mixins: [HealthMixin(), DbMixin({ database, migrations })]
	};
}

/** Owns schema "reader" and reads "fixture"'s tables. */
export function readerService(database: DatabaseConfig, fixtureMigrations = FIXTURE_MIGRATIONS): ServiceSchema {
	return {
		name: "reader",
		mixins: [HealthMixin(), DbMixin({ database, migrations: READER_MIGRATIONS, reads: [{ owner: "fixture", dir: fixtureMigrations }] })]
	};
}
