/**
 * The etl service across processes: two ETL nodes (child processes, bin/node.ts with SERVICES=etl)
 * on real NATS and one PostgreSQL database, fed by a local HTTP server in this process standing in
 * for openparliament (no internet here) that answers slowly, so runs last long enough to collide
 * and to be killed in the middle. A killed node's lease is taken over as soon as the survivor sees
 * the node leave (`$node.disconnected`), not when it expires.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceBroker } from "moleculer";
import { type ClusterClient, type NodeProcess, TestCluster, waitFor } from "../../test/helpers/cluster.ts";
import { createPostgresDatabase, type TestDatabase } from "../../test/storage/test-databases.ts";
import { openStandalone } from "../../runtime/storage/database-registry.ts";
import type { Database } from "../../runtime/storage/database.ts";
import { LOCAL_TEST_NETWORKS, startLocalServer, type LocalTestServer } from "../../test/kits/local-test-server.ts";
import { type ParliamentSize, ballotCount, servePages } from "../../test/kits/synthetic-parliament.ts";
import type { Run } from "./pipeline/runs.ts";
import { DOMAIN_TABLES } from "./pipeline/tables.ts";
import { EtlService } from "./etl.service.ts";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";

const SIZE: ParliamentSize = { politicians: 12, bills: 9, votes: 4 };
const PAGE = 5;
const TOTAL_DOCUMENTS = SIZE.politicians + SIZE.bills + SIZE.votes + ballotCount(SIZE);
/** Long: a run that resumed only once the killed node's lease expired would miss the test's bound. */
const LEASE_TTL_MS = 60_000;

/** Every domain table, all columns but the ones that say when and by which run: must match row for row. */
async function tables(db: Database): Promise<Record<string, unknown[]>> {
	const out: Record<string, unknown[]> = {};
	for (const spec of DOMAIN_TABLES) {
		// Ordered by the whole row's text (ORDER BY 1::text would sort by the constant '1', leaving physical order).
		const { rows } = await db.query<{ row: unknown }>(`SELECT to_jsonb(t) - 'created_at' - 'updated_at' - 'run_id' AS row FROM etl.${spec.table} t ORDER BY 1`);
		out[spec.table] = rows.map((r) => r.row);
	}
	return out;
}

describe("etl across nodes", () => {
	const cluster = new TestCluster({ namespacePrefix: "etl" });
	let server: LocalTestServer;
	let database: TestDatabase & { url: string };
	let db: Database;
	let client: ClusterClient;
	let nodeA: NodeProcess;

	const call = (nodeID: string, params: Record<string, unknown>) => client.broker.call<Run, Record<string, unknown>>("etl.run", params, { nodeID });
	// Asked of etl-b: after the kill, a call balanced to the dead node would be rejected until it is seen gone.
	const runOf = (id: string) => client.broker.call<Run, { id: string }>("etl.get", { id }, { nodeID: "etl-b" });

	beforeAll(async () => {
		// Slow pages: a run of ~17 pages takes a few seconds, long enough to overlap and to interrupt.
		server = await startLocalServer(servePages({ size: SIZE, pageSize: PAGE, delayMs: () => 120 }));
		database = await createPostgresDatabase();
		db = await openStandalone(database.config);
		const env = { DATABASE_URL: database.url, ETL_LEASE_TTL_MS: String(LEASE_TTL_MS), ETL_HTTP_MIN_INTERVAL_MS: "0", ETL_ALLOW_PRIVATE_NETWORKS: LOCAL_TEST_NETWORKS.join(","), ETL_BATCH_DOCUMENTS: "3", REQUEST_TIMEOUT: "30000" };
		nodeA = await cluster.startNode({ nodeID: "etl-a", services: ["etl"], env });
		await cluster.startNode({ nodeID: "etl-b", services: ["etl"], env });
		client = await cluster.client();
		await client.waitForNode("etl-a", ["etl"], 30_000, () => cluster.logs());
		await client.waitForNode("etl-b", ["etl"], 30_000, () => cluster.logs());
	});
	afterAll(async () => {
		await cluster.stop();
		await server?.close();
		await db?.close();
		await database?.drop();
	});

	it("two nodes asked for the same source at once start one run; the other answers 409 with its id", async () => {
		const params = { source: "openparliament", url: server.url };
		const outcomes = await Promise.allSettled([call("etl-a", params), call("etl-b", params)]);
		const started = outcomes.filter((o): o is PromiseFulfilledResult<Run> => o.status === "fulfilled");
		const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
		expect(started, cluster.logs()).toHaveLength(1);
		expect(refused).toHaveLength(1);
		const run = started[0]?.value as Run;
		expect(refused[0]?.reason).toMatchObject({ code: 409, type: "ETL_RUN_IN_PROGRESS", data: { runId: run.id } });
		await waitFor(async () => (await runOf(run.id)).status === "succeeded", { timeoutMs: 60_000, message: () => `run ${run.id} to succeed\n${cluster.logs()}` });
		const { runs } = await client.broker.call<{ runs: Run[] }, Record<string, unknown>>("etl.runs", { source: "openparliament" });
		expect(runs.map((r) => r.id)).toEqual([run.id]);
		expect((await runOf(run.id)).fetched).toBe(TOTAL_DOCUMENTS);
	});

	it("a run whose node stops answering resumes on the other node once it is seen gone, and ends row for row as an uninterrupted run", async () => {
		await db.exec("TRUNCATE etl.sessions, etl.provinces, etl.parties, etl.ridings, etl.politicians, etl.memberships, etl.bills, etl.bill_stages, etl.votes, etl.party_votes, etl.vote_ballots");
		const params = { source: "openparliament", url: server.url };
		const first = await call("etl-a", params);
		// Killed once a checkpoint is past the politicians and bills, before the end.
		await waitFor(
			async () => {
				const { rows } = await db.query<{ documents: number }>("SELECT documents FROM etl.run_checkpoints WHERE run_id = $1", [first.id]);
				return (rows[0]?.documents ?? 0) >= SIZE.politicians + SIZE.bills + 3;
			},
			{ timeoutMs: 60_000, intervalMs: 20, message: () => `a checkpoint of run ${first.id}\n${cluster.logs()}` }
		);
		// Frozen rather than killed: its process still exists, so only the cluster's view (etl-b seeing
		// it leave) can free the lease before it expires. Killed for good once taken over.
		nodeA.signal("SIGSTOP");
		const killedAt = server.requests.length;
		const checkpoint = (await db.query<{ documents: number }>("SELECT documents FROM etl.run_checkpoints WHERE run_id = $1", [first.id])).rows[0]?.documents ?? 0;
		expect(checkpoint).toBeLessThan(TOTAL_DOCUMENTS);
		expect((await runOf(first.id)).status).toBe("running");

		const [lease] = (await db.query<{ expires_at: Date }>("SELECT expires_at FROM etl.leases WHERE run_id = $1", [first.id])).rows;
		const expiresAt = new Date(lease?.expires_at ?? 0).getTime();
		expect(expiresAt - Date.now()).toBeGreaterThan(LEASE_TTL_MS / 2);

		// Until etl-b sees etl-a leave the source is still taken; then the next run resumes the checkpoint.
		let resumed: Run | undefined;
		await waitFor(
			async () => {
				resumed = await call("etl-b", params).catch((err: { code?: number }) => {
					if (err.code === 409) return undefined;
					throw err;
				});
				return resumed !== undefined;
			},
			{ timeoutMs: 20_000, intervalMs: 100, message: () => `a run to start once etl-a was seen gone\n${cluster.logs()}` }
		);
		const second = resumed as Run;
		expect(Date.parse(second.createdAt)).toBeLessThan(expiresAt);
		nodeA.signal("SIGKILL");
		await nodeA.waitForExit(5_000);
		expect(second.resumedFrom).toBe(first.id);
		await waitFor(async () => (await runOf(second.id)).status === "succeeded", { timeoutMs: 60_000, message: () => `run ${second.id} to succeed\n${cluster.logs()}` });
		const old = await runOf(first.id);
		expect(old.status).toBe("failed");
		expect(old.error).toMatch(/^interrupted: node etl-a left the cluster \(/);
		expect((await runOf(second.id)).fetched).toBe(TOTAL_DOCUMENTS);
		// It continued from the checkpoint's page instead of walking the lists from the start again.
		expect(server.requests.slice(killedAt).map((r) => r.path)).not.toContain("/politicians/?limit=100");

		// The reference: the same data loaded without interruption into a database of its own.
		const reference = await createPostgresDatabase();
		const broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: `etl-reference-${process.pid}`, logger: false });
		broker.createService(EtlService({ database: reference.config, settings: { httpMinIntervalMs: 0, schedules: [], allowPrivateNetworks: [...LOCAL_TEST_NETWORKS] } }));
		try {
			await broker.start();
			const done = await broker.call<Run, Record<string, unknown>>("etl.run", { source: "openparliament", url: server.url, wait: true });
			expect(done.status).toBe("succeeded");
			const refDb = await openStandalone(reference.config);
			try {
				// The same server: document keys and resolved image URLs name it, and the hashes cover them.
				expect(await tables(refDb)).toEqual(await tables(db));
			} finally {
				await refDb.close();
			}
		} finally {
			await broker.stop();
			await reference.drop();
		}
	});
});
