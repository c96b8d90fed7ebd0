/** DbMixin on both backends: schemas per owner, migrations once, checksums, health. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNodeHealthChecks } from "./health.mixin.ts";
import type { DbService } from "./db.mixin.ts";
import type { DatabaseConfig } from "../runtime/storage/database.ts";
import { MigrationChecksumError } from "../runtime/storage/errors.ts";
import { migrationStatus } from "../runtime/storage/migrations.ts";
import { BACKENDS, type TestDatabase } from "../test/storage/test-databases.ts";
import { FIXTURE_MIGRATIONS, READER_MIGRATIONS, ownerService, readerService } from "../test/storage/fixture-services.ts";
import { ZodValidator } from "../runtime/validation/zod-validator.ts";

function copyMigrations(edit: (dir: string) => void): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "op-migrations-"));
	for (const f of fs.readdirSync(FIXTURE_MIGRATIONS)) fs.copyFileSync(path.join(FIXTURE_MIGRATIONS, f), path.join(dir, f));
	edit(dir);
	return dir;
}

describe.each(BACKENDS)("DbMixin on $name", (backend) => {
	let created: TestDatabase;
	let database: DatabaseConfig;
	let broker: ServiceBroker;
	const extraBrokers: ServiceBroker[] = [];

	beforeAll(async () => {
		created = await backend.create();
		database = created.config;
		broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: `db-mixin-${process.pid}`, logger: false });
		broker.createService(ownerService(database));
		broker.createService(readerService(database));
		await broker.start();
	});
	afterAll(async () => {
		for (const b of extraBrokers) await b.stop();
		await broker?.stop();
		await created?.drop();
	});

	function dbOf(name: string): DbService {
		const service = broker.getLocalService(name);
		if (!service) throw new Error(`no ${name}`);
		return service as unknown as DbService;
	}

	it("applies each owner's migrations into its own schema and is healthy", async () => {
		const owner = dbOf("fixture");
		expect(owner.dbSchema).toBe("fixture");
		expect(owner.dbTable("things")).toBe('"fixture"."things"');
		const { rows } = await owner.db.query<{ name: string }>(`SELECT name FROM ${owner.dbTable("things")} ORDER BY id`);
		expect(rows.map((r) => r.name)).toEqual(["first", "second"]);

		// The reader writes its own schema and reads the owner's.
		const reader = dbOf("reader");
		await reader.db.query(`INSERT INTO ${reader.dbTable("notes")} (thing_id, body) SELECT id, 'read-only use' FROM fixture.things WHERE name = 'first'`);
		const joined = await reader.db.query<{ name: string; body: string }>("SELECT t.name, n.body FROM reader.notes n JOIN fixture.things t ON t.id = n.thing_id");
		expect(joined.rows).toEqual([{ name: "first", body: "read-only use" }]);

		const health = await runNodeHealthChecks(broker);
		expect(health.reasons).toEqual([]);
		expect(health.ok).toBe(true);
		const check = health.services.find((s) => s.service === "fixture")?.checks.find((c) => c.name === "database");
		expect(check?.ok).toBe(true);
	});

	it("shares one database handle between the services of a node, named after the node", async () => {
		expect(dbOf("fixture").db).toBe(dbOf("reader").db);
		expect(dbOf("fixture").db.kind).toBe(database.kind);
		if (database.kind === "postgres") {
			const { rows } = await dbOf("fixture").db.query<{ name: string }>("SELECT current_setting('application_name') AS name");
			expect(rows[0]?.name).toBe(broker.nodeID);
		}
	});

	it("a second node on the same database applies nothing again", async () => {
		const second = new ServiceBroker({ validator: new ZodValidator(), nodeID: `db-mixin-second-${process.pid}`, logger: false });
		extraBrokers.push(second);
		second.createService(ownerService(database));
		second.createService(readerService(database));
		await second.start();
		const { rows } = await dbOf("fixture").db.query<{ note: string }>("SELECT note FROM fixture.apply_log ORDER BY at");
		expect(rows.map((r) => r.note)).toEqual(["001", "002"]);
		const status = await migrationStatus(dbOf("fixture").db, [
			{ owner: "fixture", dir: FIXTURE_MIGRATIONS },
			{ owner: "reader", dir: READER_MIGRATIONS }
		]);
		expect(status.map((s) => `${s.owner}/${s.version}:${s.state}`)).toEqual(["fixture/1:applied", "fixture/2:applied", "reader/1:applied"]);
	});

	it("refuses to start when an applied migration file was changed", async () => {
		const dir = copyMigrations((d) => fs.appendFileSync(path.join(d, "002_seed_things.sql"), "\n-- edited after release\n"));
		const edited = new ServiceBroker({ validator: new ZodValidator(), nodeID: `db-mixin-edited-${process.pid}`, logger: false });
		edited.createService(ownerService(database, dir));
		const start = edited.start();
		await expect(start).rejects.toBeInstanceOf(MigrationChecksumError);
		await expect(start).rejects.toThrow(/002_seed_things\.sql/);
		const status = await migrationStatus(dbOf("fixture").db, [{ owner: "fixture", dir }]);
		expect(status.map((s) => s.state)).toEqual(["applied", "changed"]);
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it("a failing migration stops the node and leaves nothing of itself behind", async () => {
		const dir = copyMigrations((d) => fs.writeFileSync(path.join(d, "003_broken.sql"), "CREATE TABLE half_done (id int);\nSELECT no_such_column FROM things;\n"));
		const broken = new ServiceBroker({ validator: new ZodValidator(), nodeID: `db-mixin-broken-${process.pid}`, logger: false });
		broken.createService(ownerService(database, dir));
		await expect(broken.start()).rejects.toThrow(/003_broken\.sql failed: .*no_such_column/);
		const { rows } = await dbOf("fixture").db.query<{ present: boolean }>("SELECT to_regclass('fixture.half_done') IS NOT NULL AS present");
		expect(rows[0]?.present).toBe(false);
		const status = await migrationStatus(dbOf("fixture").db, [{ owner: "fixture", dir }]);
		expect(status.map((s) => s.state)).toEqual(["applied", "applied", "pending"]);
		fs.rmSync(dir, { recursive: true, force: true });
	});
});
