/**
 * DbMixin when PostgreSQL is away: start-up without it, losing it mid-run, getting it back.
 * Runs a private PostgreSQL 15 cluster (never the machine's shared server), and three child
 * processes migrating one empty database at once.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Errors, ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNodeHealthChecks } from "./health.mixin.ts";
import { toHttpError } from "../gateway/errors.ts";
import type { DbService } from "./db.mixin.ts";
import type { DatabaseConfig } from "../runtime/storage/database.ts";
import { openStandalone } from "../runtime/storage/database-registry.ts";
import { ownerService } from "../test/storage/fixture-services.ts";
import { PrivatePostgres } from "../test/storage/private-postgres.ts";
import { createPostgresDatabase } from "../test/storage/test-databases.ts";
import { waitFor } from "../test/storage/wait-for.ts";
import { ZodValidator } from "../runtime/validation/zod-validator.ts";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

/** Far above the connect timeout: a call that takes this long is hanging. */
const HANG_MS = 10_000;
const CONNECT_TIMEOUT_MS = 1_000;

async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
	let timer: NodeJS.Timeout | undefined;
	const hang = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`call still pending after ${HANG_MS} ms`)), HANG_MS);
	});
	try {
		return { ok: true, value: await Promise.race([promise, hang]) };
	} catch (error) {
		if (error instanceof Error && error.message.startsWith("call still pending")) throw error;
		return { ok: false, error };
	} finally {
		clearTimeout(timer);
	}
}

function expectUnavailable(error: unknown, port: number): void {
	expect(error).toBeInstanceOf(Errors.MoleculerError);
	expect(error).toMatchObject({ code: 503, type: "DATABASE_UNAVAILABLE", retryable: true });
	// The gateway answers 503 with it, and the client learns nothing about where the database is.
	const http = toHttpError(error);
	expect(http.status).toBe(503);
	expect(JSON.stringify(http.body)).not.toContain(String(port));
}

describe("DbMixin with PostgreSQL going away and coming back", () => {
	let server: PrivatePostgres;
	let broker: ServiceBroker;
	let owner: DbService;

	beforeAll(async () => {
		server = await PrivatePostgres.create();
		const database: DatabaseConfig = { kind: "postgres", url: server.url, applicationName: "failure-test", poolSize: 4, statementTimeoutMs: 5_000, connectTimeoutMs: CONNECT_TIMEOUT_MS };
		broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: `db-failure-${process.pid}`, logger: false });
		broker.createService(ownerService(database));
	});
	afterAll(async () => {
		await broker?.stop();
		await server?.destroy();
	});

	it("starts while PostgreSQL is unreachable, reports not ready, and becomes ready once it is up", async () => {
		await broker.start();
		owner = broker.getLocalService("fixture") as unknown as DbService;

		const health = await runNodeHealthChecks(broker);
		expect(health.ok).toBe(false);
		expect(health.reasons.join("\n")).toMatch(/fixture: database: /);

		let dbReady = false;
		// Unbounded, as a background step waits: it must resolve once the server is up.
		const ready = owner.dbReady(Number.POSITIVE_INFINITY).then(() => {
			dbReady = true;
		});
		const query = await settle(owner.db.query("SELECT 1"));
		expect(query.ok).toBe(false);
		if (!query.ok) expectUnavailable(query.error, server.port);

		// A bounded wait (what actions and cron ticks use) gives up with 503 instead of hanging.
		for (const [wait, bound] of [[() => owner.dbReady(), CONNECT_TIMEOUT_MS], [() => owner.dbReady(200), 200]] as const) {
			const startedAt = performance.now();
			const bounded = await settle(wait());
			const took = performance.now() - startedAt;
			expect(bounded.ok).toBe(false);
			if (!bounded.ok) expectUnavailable(bounded.error, server.port);
			expect(took).toBeGreaterThanOrEqual(bound - 5);
			expect(took).toBeLessThan(bound + 1_000);
		}

		expect(dbReady).toBe(false);
		await server.start();
		await waitFor("the node to become ready", async () => (await runNodeHealthChecks(broker)).ok);
		await ready;
		expect(dbReady).toBe(true);
		const { rows } = await owner.db.query<{ n: number }>("SELECT count(*) AS n FROM fixture.things");
		expect(rows[0]?.n).toBe(2);
	});

	it("fails fast with 503 while PostgreSQL is stopped mid-run, recovers after, and loses no acknowledged write", async () => {
		const acknowledged: string[] = [];
		const failures: unknown[] = [];
		let i = 0;
		const write = async (): Promise<boolean> => {
			const name = `write-${++i}`;
			const result = await settle(owner.db.query("INSERT INTO fixture.things (name) VALUES ($1)", [name]));
			if (result.ok) acknowledged.push(name);
			else failures.push(result.error);
			return result.ok;
		};

		await waitFor("writes to be acknowledged", async () => (await write()) && acknowledged.length >= 20);
		// Writes keep going while the server stops: the last ones race the shutdown.
		const stopping = server.stop();
		let writing = true;
		const writer = (async () => {
			while (writing) await write();
		})();
		await stopping;
		await waitFor("writes to fail while PostgreSQL is down", async () => failures.length >= 3);
		writing = false;
		await writer;

		for (const error of failures.slice(-3)) expectUnavailable(error, server.port);
		expect((await runNodeHealthChecks(broker)).ok).toBe(false);

		await server.start();
		await waitFor("a write to succeed again", () => write());
		await waitFor("the node to be ready again", async () => (await runNodeHealthChecks(broker)).ok);

		const { rows } = await owner.db.query<{ name: string }>("SELECT name FROM fixture.things WHERE name = ANY($1)", [acknowledged]);
		expect(new Set(rows.map((r) => r.name))).toEqual(new Set(acknowledged));
	});
});

describe("three nodes starting at once on an empty database", () => {
	it("apply every migration exactly once and all become ready", async () => {
		const created = await createPostgresDatabase();
		try {
			const script = path.join(here, "../test/storage/migrating-node.ts");
			const outputs = await Promise.all(
				["node-a", "node-b", "node-c"].map((id) => run(process.execPath, [script, id], { env: { ...process.env, DATABASE_URL: created.url }, timeout: 60_000 }))
			);
			const reports = outputs.map((o) => JSON.parse(o.stdout.trim()) as { nodeID: string; ok: boolean; reasons: string[] });
			expect(reports.map((r) => [r.nodeID, r.ok, r.reasons])).toEqual([
				["node-a", true, []],
				["node-b", true, []],
				["node-c", true, []]
			]);

			const db = await openStandalone(created.config);
			try {
				const applied = await db.query<{ owner: string; version: number; by: string }>(
					"SELECT owner, version, applied_by AS by FROM public.openpolicy_migrations ORDER BY owner, version"
				);
				expect(applied.rows.map((r) => `${r.owner}/${r.version}`)).toEqual(["fixture/1", "fixture/2", "reader/1"]);
				for (const r of applied.rows) expect(["node-a", "node-b", "node-c"]).toContain(r.by);
				const log = await db.query<{ note: string }>("SELECT note FROM fixture.apply_log ORDER BY at");
				expect(log.rows.map((r) => r.note)).toEqual(["001", "002"]);
			} finally {
				await db.close();
			}
		} finally {
			await created.drop();
		}
	});
});
