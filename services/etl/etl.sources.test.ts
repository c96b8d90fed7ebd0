/**
 * The LEGISinfo and Open Civic Data connectors through the etl service into the tables, on
 * PostgreSQL 15 and PGlite 18, from the fixture files an operator would pass with --file; and
 * data-quality issues recorded once per (source, record, reason) across reruns, with a last-seen time.
 */
import { fileURLToPath } from "node:url";
import { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbService } from "../../mixins/db.mixin.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { extractTransform } from "./connectors/extract-transform.ts";
import { createConnector } from "./connectors/registry.ts";
import { EtlService } from "./etl.service.ts";
import type { RunIssue, Run } from "./pipeline/runs.ts";
import type { DataQualityIssue } from "./records/data-quality.ts";
import type { SourceName } from "./records/raw-document.ts";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";

const fixture = (p: string) => fileURLToPath(new URL(`./fixtures/${p}`, import.meta.url));

/** What the connector itself makes of a file: the distinct keys per kind, and its issues. */
async function expected(source: SourceName, file: string): Promise<{ keys: Map<string, Set<string>>; issues: DataQualityIssue[] }> {
	const keys = new Map<string, Set<string>>();
	const issues: DataQualityIssue[] = [];
	for await (const step of extractTransform(createConnector(source), { file, onIssue: (i) => issues.push(i) })) {
		issues.push(...step.issues);
		for (const r of step.records) {
			if (!keys.has(r.kind)) keys.set(r.kind, new Set());
			keys.get(r.kind)?.add(r.key);
		}
	}
	return { keys, issues };
}

const identities = (issues: DataQualityIssue[]) => new Set(issues.map((i) => JSON.stringify([i.source, i.recordKey ?? "", i.reason]))).size;

describe.each(BACKENDS)("etl sources on $name", (backend) => {
	let created: TestDatabase;
	let broker: ServiceBroker;

	beforeAll(async () => {
		created = await backend.create();
		broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: `etl-sources-${process.pid}`, logger: false });
		broker.createService(EtlService({ database: created.config, settings: { batchDocuments: 50, schedules: [] } }));
		await broker.start();
	});
	afterAll(async () => {
		await broker?.stop();
		await created?.drop();
	});

	const db = () => (broker.getLocalService("etl") as unknown as DbService).db;
	const count = async (sql: string, params: unknown[] = []) => Number((await db().query<{ n: number }>(sql, params)).rows[0]?.n);
	const run = (source: SourceName, file: string) => broker.call<Run, Record<string, unknown>>("etl.run", { source, file, wait: true });
	const issuesOf = async (id: string) => (await broker.call<{ issues: RunIssue[] }, { id: string }>("etl.get", { id })).issues;

	it("loads the OCD division files: provinces and ridings, bad rows as issues, every row with its document", async () => {
		const want = await expected("ocd", fixture("ocd"));
		const first = await run("ocd", fixture("ocd"));
		expect(first.status, first.error ?? "").toBe("succeeded");
		expect(first.invalid).toBe(want.issues.length);
		expect(want.issues.length).toBeGreaterThan(0);
		expect(await count("SELECT count(*)::int AS n FROM etl.provinces")).toBe(want.keys.get("province")?.size);
		expect(await count("SELECT count(*)::int AS n FROM etl.ridings")).toBe(want.keys.get("riding")?.size);
		expect(
			await count(`SELECT count(*)::int AS n FROM etl.ridings r JOIN documents.raw_documents d ON d.source = r.source AND d.key = r.document_key AND d.checksum = r.document_hash`)
		).toBe(want.keys.get("riding")?.size);
		expect(await count("SELECT count(*)::int AS n FROM etl.data_quality_issues WHERE source = 'ocd'")).toBe(identities(want.issues));
	});

	it("a rerun finds the same issues again: no new issue rows, each with a later last-seen time and the new run", async () => {
		const before = await db().query<{ id: number; last_seen_at: Date | string }>("SELECT id, last_seen_at FROM etl.data_quality_issues WHERE source = 'ocd' ORDER BY id");
		const again = await run("ocd", fixture("ocd"));
		expect(again).toMatchObject({ status: "succeeded", inserted: 0, updated: 0 });
		expect(again.invalid).toBe((await expected("ocd", fixture("ocd"))).issues.length);
		expect(before.rows.length).toBeGreaterThan(0);
		const after = await db().query<{ id: number; last_seen_at: Date | string; last_run_id: string; times_seen: number }>(
			"SELECT id, last_seen_at, last_run_id, times_seen FROM etl.data_quality_issues WHERE source = 'ocd' ORDER BY id"
		);
		expect(after.rows.map((r) => r.id)).toEqual(before.rows.map((r) => r.id));
		for (const [i, row] of after.rows.entries()) {
			expect(row.last_run_id).toBe(again.id);
			expect(new Date(row.last_seen_at).getTime()).toBeGreaterThan(new Date(before.rows[i]?.last_seen_at ?? 0).getTime());
			expect(Number(row.times_seen)).toBeGreaterThanOrEqual(2);
		}
		// The run's detail lists the issues it found again, each saying which run found it first.
		const listed = await issuesOf(again.id);
		expect(listed).toHaveLength(after.rows.length);
		expect(new Set(listed.map((i) => i.firstRunId)).size).toBe(1);
		expect(listed[0]?.firstRunId).not.toBe(again.id);
	});

	it("loads the LEGISinfo export: sessions, bills with their stages, and a conflicting duplicate as an issue", async () => {
		const file = fixture("legisinfo/bills-44-1.json");
		const want = await expected("legisinfo", file);
		const first = await run("legisinfo", file);
		expect(first.status, first.error ?? "").toBe("succeeded");
		expect(first.invalid).toBe(want.issues.length);
		expect(await count("SELECT count(*)::int AS n FROM etl.bills WHERE source = 'legisinfo'")).toBe(want.keys.get("bill")?.size);
		expect(await count("SELECT count(*)::int AS n FROM etl.bill_stages")).toBe(want.keys.get("billStage")?.size ?? 0);
		expect(await count("SELECT count(*)::int AS n FROM etl.sessions")).toBe(want.keys.get("session")?.size);
		expect(
			await count(`SELECT count(*)::int AS n FROM etl.bills b JOIN documents.raw_documents d ON d.source = b.source AND d.key = b.document_key AND d.checksum = b.document_hash`)
		).toBe(want.keys.get("bill")?.size);
		const reasons = (await issuesOf(first.id)).map((i) => i.reason);
		expect(reasons).toContainEqual(expect.stringMatching(/duplicate bill 44-1\/C-10 disagrees on titleEn/));
		// Unchanged on a rerun: no row written.
		const again = await run("legisinfo", file);
		expect(again).toMatchObject({ status: "succeeded", inserted: 0, updated: 0 });
	});
});
