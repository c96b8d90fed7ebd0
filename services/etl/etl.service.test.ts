/**
 * The etl service end to end in one broker, on PostgreSQL 15 and PGlite 18: a run over a local
 * HTTP server standing in for openparliament (no internet on the test machines), the loader's
 * change detection (a rerun writes no row and emits no event), a real change emitting
 * `bill.updated` with its changed fields, the runs API, and 409 for a source that is busy.
 */
import os from "node:os";
import { type Context, ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import type { DbService } from "../../mixins/db.mixin.ts";
import { EtlService } from "./etl.service.ts";
import { LOCAL_TEST_NETWORKS, startLocalServer, type LocalTestServer } from "../../test/kits/local-test-server.ts";
import type { LeaseInfo, Run } from "./pipeline/runs.ts";
import { DOMAIN_TABLES } from "./pipeline/tables.ts";
import { type ParliamentSize, type Resource, ballotCount, servePages } from "../../test/kits/synthetic-parliament.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";

const SIZE: ParliamentSize = { politicians: 12, bills: 9, votes: 4 };
const DOMAIN_EVENTS = ["bill.created", "bill.updated", "vote.recorded", "politician.created", "politician.updated"];

describe.each(BACKENDS)("etl service on $name", (backend) => {
	let created: TestDatabase;
	let broker: ServiceBroker;
	let server: LocalTestServer;
	let edit: ((resource: Resource, index: number, item: Record<string, unknown>) => Record<string, unknown>) | undefined;
	let release: (() => void) | undefined;
	const events: { name: string; payload: Record<string, unknown> }[] = [];
	const progress: Run[] = [];

	beforeAll(async () => {
		created = await backend.create();
		server = await startLocalServer((req, res, path) => {
			// A held request keeps a run busy for as long as a test needs (no sleeps).
			if (release === undefined) servePages({ size: SIZE, pageSize: 5, ...(edit ? { edit } : {}) })(req, res, path);
			else {
				const answer = (): void => servePages({ size: SIZE, pageSize: 5 })(req, res, path);
				const previous = release;
				release = () => {
					previous();
					answer();
				};
			}
		});
		broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: `etl-test-${process.pid}`, logger: false });
		broker.createService(EtlService({ database: created.config, settings: { httpMinIntervalMs: 0, batchDocuments: 7, leaseTtlMs: 5_000, schedules: [], allowPrivateNetworks: [...LOCAL_TEST_NETWORKS] } }));
		broker.createService({
			name: "recorder",
			events: Object.fromEntries([
				...DOMAIN_EVENTS.map((name) => [name, (ctx: Context<Record<string, unknown>>) => void events.push({ name, payload: ctx.params })]),
				["etl.run.progress", (ctx: Context<Run>) => void progress.push(ctx.params)]
			])
		});
		await broker.start();
	});
	afterAll(async () => {
		await broker?.stop();
		await server?.close();
		await created?.drop();
	});

	const db = () => (broker.getLocalService("etl") as unknown as DbService).db;
	const run = (params: Record<string, unknown> = {}) => broker.call<Run, Record<string, unknown>>("etl.run", { source: "openparliament", url: server.url, wait: true, ...params });

	/** Every domain row with its physical version (xmin) and timestamps: any write changes it. */
	async function snapshot(): Promise<string> {
		const parts: string[] = [];
		for (const spec of DOMAIN_TABLES) {
			const { rows } = await db().query(`SELECT xmin::text AS v, updated_at, to_jsonb(t) AS row FROM etl.${spec.table} t ORDER BY to_jsonb(t)::text`);
			parts.push(`${spec.table}:${JSON.stringify(rows)}`);
		}
		return parts.join("\n");
	}

	it("loads every resource, keeps the raw documents and emits created events", async () => {
		const first = await run();
		expect(first.status, first.error ?? "").toBe("succeeded");
		const docs = SIZE.politicians + SIZE.bills + SIZE.votes + ballotCount(SIZE);
		expect(first.fetched).toBe(docs);
		expect(first.inserted).toBeGreaterThan(docs);
		expect(first.updated + first.invalid).toBe(0);
		const count = async (table: string) => Number((await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM etl.${table}`)).rows[0]?.n);
		expect(await count("politicians")).toBe(SIZE.politicians);
		expect(await count("memberships")).toBe(SIZE.politicians);
		expect(await count("bills")).toBe(SIZE.bills);
		expect(await count("votes")).toBe(SIZE.votes);
		expect(await count("party_votes")).toBe(SIZE.votes * 4);
		expect(await count("ballots")).toBe(ballotCount(SIZE));
		expect(await count("parties")).toBe(4);
		// Every row knows its raw document, and the document store has it under the same identity.
		const { rows } = await db().query<{ n: number }>(
			`SELECT count(*)::int AS n FROM etl.bills b JOIN documents.raw_documents d ON d.source = b.source AND d.key = b.document_key AND d.checksum = b.document_hash`
		);
		expect(rows[0]?.n).toBe(SIZE.bills);
		// A ballot's raw document is the list page it was fetched on (one document per page, not per
		// ballot), kept as the text received: its checksum is that text's sha256, which anyone can recompute.
		const ballotDocs = await db().query<{ n: number; pages: number }>(
			`SELECT count(*)::int AS n, count(DISTINCT b.document_key)::int AS pages FROM etl.ballots b
			 JOIN documents.raw_documents d ON d.source = b.source AND d.key = b.document_key AND d.checksum = b.document_hash
			 WHERE d.body IS NULL AND jsonb_typeof(d.text::jsonb -> 'objects') = 'array' AND encode(sha256(convert_to(d.text, 'UTF8')), 'hex') = d.checksum`
		);
		expect(ballotDocs.rows[0]).toEqual({ n: ballotCount(SIZE), pages: Math.ceil(ballotCount(SIZE) / 5) });
		// Full-text search columns in both languages.
		const fts = await db().query<{ number: string }>("SELECT number FROM etl.bills WHERE search_fr @@ plainto_tsquery('french', 'questions numéro') AND number = 'C-3'");
		expect(fts.rows).toEqual([{ number: "C-3" }]);
		const bySlug = await db().query<{ slug: string }>("SELECT slug FROM etl.politicians WHERE search_en @@ plainto_tsquery('english', 'Côté3')");
		expect(bySlug.rows).toEqual([{ slug: "member-3" }]);
		// Dissent from the party line, computed at load.
		const dissent = await db().query<{ n: number }>("SELECT count(*)::int AS n FROM etl.ballots WHERE dissent");
		expect(dissent.rows[0]?.n).toBeGreaterThan(0);

		expect(events.filter((e) => e.name === "bill.created")).toHaveLength(SIZE.bills);
		expect(events.filter((e) => e.name === "vote.recorded")).toHaveLength(SIZE.votes);
		expect(events.filter((e) => e.name === "politician.created")).toHaveLength(SIZE.politicians);
		expect(progress.some((p) => p.id === first.id && p.status === "running")).toBe(true);
		await waitFor(() => progress.some((p) => p.id === first.id && p.status === "succeeded"), { message: () => "a final progress event" });
	});

	it("a rerun over unchanged data writes no row and emits no event", async () => {
		const before = await snapshot();
		const eventsBefore = events.length;
		const again = await run();
		expect(again.status, again.error ?? "").toBe("succeeded");
		expect(again).toMatchObject({ inserted: 0, updated: 0, invalid: 0 });
		expect(again.unchanged).toBeGreaterThan(0);
		expect(await snapshot()).toBe(before);
		expect(events.slice(eventsBefore)).toEqual([]);
	});

	const renameC2: NonNullable<typeof edit> = (resource, index, item) => (resource === "bills" && index === 1 ? { ...item, name: { ...(item.name as object), en: "A renamed Act" } } : item);

	it("a real change updates that row only and emits bill.updated with the changed fields", async () => {
		edit = renameC2;
		const eventsBefore = events.length;
		const changed = await run();
		edit = undefined;
		expect(changed).toMatchObject({ status: "succeeded", inserted: 0, updated: 1 });
		expect(events.slice(eventsBefore)).toEqual([
			{ name: "bill.updated", payload: { session: "44-1", number: "C-2", changes: { titleEn: { from: "An Act respecting example matters number 2", to: "A renamed Act" } } } }
		]);
	});

	it("a changed ballot rewrites its vote's row only: that ballot updated and pointing at its new page, the others untouched", async () => {
		// Ballot 7 (vote 1, member-7) is on the second page of ballots; a vote's ballots span three pages.
		const stored = async () =>
			(
				await db().query<{ vote_number: number; xmin: string; politician_slug: string; ballot: string; document_key: string; document_hash: string }>(
					`SELECT b.vote_number, v.xmin::text AS xmin, b.politician_slug, b.ballot, b.document_key, b.document_hash
					 FROM etl.ballots b JOIN etl.vote_ballots v USING (session, vote_number) ORDER BY b.vote_number, b.politician_slug`
				)
			).rows;
		const before = await stored();
		const target = before.find((b) => b.vote_number === 1 && b.politician_slug === "member-7");
		// Bill C-2 stays renamed as the previous test left it, so the ballot is the only change.
		edit = (resource, index, item) => (resource === "ballots" && index === 7 ? { ...item, ballot: item.ballot === "Yes" ? "No" : "Yes" } : renameC2(resource, index, item));
		const eventsBefore = events.length;
		const changed = await run();
		edit = undefined;
		expect(changed).toMatchObject({ status: "succeeded", inserted: 0, updated: 1 });
		expect(events.slice(eventsBefore)).toEqual([]);
		const after = await stored();
		expect(after).toHaveLength(before.length);
		for (const [i, now] of after.entries()) {
			const was = before[i];
			if (now.vote_number !== 1) expect(now).toEqual(was);
			else if (now.politician_slug !== "member-7") expect({ ...now, xmin: "" }).toEqual({ ...was, xmin: "" });
		}
		const edited = after.find((b) => b.vote_number === 1 && b.politician_slug === "member-7");
		expect(edited?.ballot).not.toBe(target?.ballot);
		expect(edited?.document_key).toBe(target?.document_key);
		expect(edited?.document_hash).not.toBe(target?.document_hash);
		expect(edited?.xmin).not.toBe(target?.xmin);
		// The page it now points at is stored under that hash.
		const page = await db().query<{ n: number }>("SELECT count(*)::int AS n FROM documents.raw_documents WHERE key = $1 AND checksum = $2", [edited?.document_key, edited?.document_hash]);
		expect(page.rows[0]?.n).toBe(1);
	});

	it("lists runs and shows one with its checkpoint; a second run of a busy source answers 409 with the running id", async () => {
		release = () => undefined;
		const started = await broker.call<Run, Record<string, unknown>>("etl.run", { source: "openparliament", url: server.url });
		expect(started.status).toBe("queued");
		const busy = await broker.call("etl.run", { source: "openparliament", url: server.url }).catch((err: unknown) => err);
		expect(busy).toMatchObject({ code: 409, type: "ETL_RUN_IN_PROGRESS", data: { runId: started.id, nodeID: broker.nodeID, pid: process.pid, hostname: os.hostname() } });
		// Who holds it, when it was renewed and when it expires: enough to decide whether to wait.
		const data = (busy as { data: LeaseInfo }).data;
		expect(Date.parse(data.expiresAt)).toBeGreaterThan(Date.parse(data.renewedAt));
		expect(data.expiresInMs).toBeGreaterThan(0);
		expect((busy as Error).message).toMatch(/^An openparliament run is already running: run \S+ on /);
		const cancelled = await broker.call<Run, { id: string }>("etl.cancel", { id: started.id });
		expect(cancelled.id).toBe(started.id);
		const releaseAll = release;
		release = undefined;
		releaseAll();
		await waitFor(async () => (await broker.call<Run, { id: string }>("etl.get", { id: started.id })).status === "cancelled", { message: () => "the run to end cancelled" });
		const { runs } = await broker.call<{ runs: Run[] }, Record<string, unknown>>("etl.runs", { source: "openparliament", limit: 10 });
		expect(runs.map((r) => r.status)).toEqual(["cancelled", "succeeded", "succeeded", "succeeded", "succeeded"]);
		const detail = await broker.call<Run & { checkpoint: unknown }, { id: string }>("etl.get", { id: runs[1]?.id ?? "" });
		expect(detail.checkpoint).toMatchObject({ documents: SIZE.politicians + SIZE.bills + SIZE.votes + ballotCount(SIZE) });
		await expect(broker.call("etl.get", { id: "no-such-run" })).rejects.toMatchObject({ code: 404 });
	});
});
