/**
 * A killed run does not block its source (issue 16): `npm run etl` SIGKILLed in the middle of a
 * run, then run again at once, takes the lease over from the dead process and resumes, long before
 * the lease's expiry; a live holder is waited for with `--wait` instead of refused. Real CLI
 * processes, a real HTTP server answering slowly, PostgreSQL 15 and a PGlite folder (which admits
 * one process at a time: the killed process's folder lock is taken over too).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStandalone } from "../../runtime/storage/database-registry.ts";
import type { DatabaseConfig } from "../../runtime/storage/database.ts";
import { createPostgresDatabase } from "../../test/storage/test-databases.ts";
import { ManagedChild } from "../../test/helpers/child.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { LOCAL_TEST_NETWORKS, startLocalServer, type LocalTestServer } from "../../test/kits/local-test-server.ts";
import { type ParliamentSize, ballotCount, servePages } from "../../test/kits/synthetic-parliament.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SIZE: ParliamentSize = { politicians: 12, bills: 9, votes: 4 };
const TOTAL_DOCUMENTS = SIZE.politicians + SIZE.bills + SIZE.votes + ballotCount(SIZE);
/** Long on purpose: a second run that waited for the expiry could not finish in the test's time. */
const LEASE_TTL_MS = 120_000;

interface Outcome {
	code: number;
	stdout: string;
	stderr: string;
	endedAt: number;
}

interface Target {
	name: string;
	env: NodeJS.ProcessEnv;
	config: DatabaseConfig;
	drop(): Promise<void>;
}

async function postgres(): Promise<Target> {
	const database = await createPostgresDatabase();
	return { name: "PostgreSQL 15", env: { DATABASE_URL: database.url }, config: database.config, drop: () => database.drop() };
}

function pglite(): Promise<Target> {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "etl-takeover-"));
	return Promise.resolve({
		name: "PGlite",
		// Not NODE_ENV=test, which keeps PGlite in memory: the folder is what two processes share.
		env: { DATA_DIR: dataDir, DATABASE_URL: "", NODE_ENV: "development" },
		config: { kind: "pglite", dataDir: path.join(dataDir, "pglite") },
		drop: () => fs.promises.rm(dataDir, { recursive: true, force: true })
	});
}

describe.each([{ name: "PostgreSQL 15", open: postgres }, { name: "PGlite", open: pglite }])("a killed npm run etl on $name", ({ open }) => {
	let server: LocalTestServer;
	let target: Target;

	function env(): NodeJS.ProcessEnv {
		// The runner's own variables would tell the child it runs under vitest.
		const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST")));
		return {
			...inherited,
			NODE_ENV: "test",
			...target.env,
			ETL_LEASE_TTL_MS: String(LEASE_TTL_MS),
			ETL_HTTP_MIN_INTERVAL_MS: "0",
			ETL_BATCH_DOCUMENTS: "3",
			ETL_ALLOW_PRIVATE_NETWORKS: LOCAL_TEST_NETWORKS.join(",")
		};
	}

	function etl(...args: string[]): Promise<Outcome> {
		return new Promise((resolve) => {
			execFile(process.execPath, [path.join(ROOT, "bin/etl.ts"), ...args], { cwd: ROOT, env: env(), timeout: 90_000 }, (error, stdout, stderr) => {
				resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, endedAt: Date.now() });
			});
		});
	}

	/** A query on the database while no CLI has it open (a PGlite folder admits one process). */
	async function query<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
		const db = await openStandalone(target.config);
		try {
			return (await db.query<R>(sql, params)).rows;
		} finally {
			await db.close();
		}
	}

	function startRun(name: string): ManagedChild {
		return new ManagedChild({ name, command: process.execPath, args: [path.join(ROOT, "bin/etl.ts"), "run", "openparliament", "--url", server.url], env: env(), cwd: ROOT });
	}

	/** Until the child has committed a checkpoint past the politicians and bills (its progress lines say so). */
	async function committedSome(child: ManagedChild): Promise<void> {
		await waitFor(
			() => {
				if (!child.alive) throw new Error(`the run ended before it could be killed\n${child.describe()}`);
				const lines = child.output().split("\n").filter((l) => / running: (\d+) documents, fetched \d+, inserted [1-9]/.test(l));
				const documents = Math.max(0, ...lines.map((l) => Number(/ running: (\d+) documents/.exec(l)?.[1] ?? 0)));
				return documents >= SIZE.politicians + SIZE.bills + 3;
			},
			{ timeoutMs: 60_000, intervalMs: 20, message: () => `a checkpoint\n${child.describe()}` }
		);
	}

	beforeAll(async () => {
		// Slow pages: a run of ~17 pages takes a few seconds, long enough to be killed in the middle.
		server = await startLocalServer(servePages({ size: SIZE, pageSize: 5, delayMs: () => 150 }));
		target = await open();
	});
	afterAll(async () => {
		await server?.close();
		await target?.drop();
	});

	it("is taken over at once by the next run, which resumes it and succeeds before the killed run's lease would expire", async () => {
		const first = startRun("etl-first");
		await committedSome(first);
		first.signal("SIGKILL");
		await first.waitForExit(10_000);

		const [lease] = await query<{ run_id: string; holder: string; holder_pid: number; holder_host: string; expires_at: Date | string }>(
			"SELECT run_id, holder, holder_pid, holder_host, expires_at FROM etl.leases WHERE source = 'openparliament'"
		);
		expect(lease?.holder_pid).toBe(first.pid);
		expect(lease?.holder_host).toBe(os.hostname());
		const expiresAt = new Date(lease?.expires_at ?? 0).getTime();
		expect(expiresAt - Date.now()).toBeGreaterThan(LEASE_TTL_MS / 2);

		// --wait too: there is nothing to wait for, the holder is known to be gone.
		const second = await etl("run", "openparliament", "--url", server.url, "--wait");
		expect(second.code, second.stderr + second.stdout).toBe(0);
		expect(second.endedAt).toBeLessThan(expiresAt);
		expect(second.stdout).not.toMatch(/waiting for run/);
		expect(second.stdout).toMatch(/openparliament run \S+ succeeded/);

		const runs = await query<{ id: string; status: string; error: string | null; resumed_from: string | null; fetched: number }>(
			"SELECT id, status, error, resumed_from, fetched FROM etl.runs ORDER BY created_at"
		);
		expect(runs).toHaveLength(2);
		expect(runs[0]).toMatchObject({ id: lease?.run_id, status: "failed" });
		expect(runs[0]?.error).toBe(`interrupted: node ${lease?.holder}: its process ${first.pid} on ${os.hostname()} no longer exists`);
		expect(runs[1]).toMatchObject({ status: "succeeded", resumed_from: lease?.run_id });
		expect(Number(runs[1]?.fetched)).toBe(TOTAL_DOCUMENTS);
		expect(await query("SELECT 1 FROM etl.leases")).toHaveLength(0);
	});
});

describe("npm run etl -- run … --wait on PostgreSQL", () => {
	let server: LocalTestServer;
	let target: Target;
	/** Per page: runs long enough for a second CLI to start and find the source busy. */
	let delayMs = 400;
	const env = (ttlMs: number): NodeJS.ProcessEnv => ({
		...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST"))),
		...target.env,
		NODE_ENV: "test",
		ETL_LEASE_TTL_MS: String(ttlMs),
		ETL_HTTP_MIN_INTERVAL_MS: "0",
		ETL_ALLOW_PRIVATE_NETWORKS: LOCAL_TEST_NETWORKS.join(",")
	});
	const cli = (name: string, ttlMs: number, ...args: string[]) =>
		new ManagedChild({ name, command: process.execPath, args: [path.join(ROOT, "bin/etl.ts"), "run", "openparliament", "--url", server.url, ...args], env: env(ttlMs), cwd: ROOT });

	beforeAll(async () => {
		server = await startLocalServer(servePages({ size: SIZE, pageSize: 5, delayMs: () => delayMs }));
		target = await postgres();
	});
	afterAll(async () => {
		await server?.close();
		await target?.drop();
	});

	async function whenRunning(child: ManagedChild): Promise<void> {
		await waitFor(() => {
			if (!child.alive) throw new Error(`the run ended early\n${child.describe()}`);
			return / running: \d+ documents/.test(child.output());
		}, { timeoutMs: 60_000, intervalMs: 20, message: () => `a running run\n${child.describe()}` });
	}

	it("refuses a live holder's source with who holds it and until when, and with --wait runs once the holder is done", async () => {
		const holder = cli("etl-holder", 60_000);
		await whenRunning(holder);
		const refused = cli("etl-refused", 60_000);
		const waiting = cli("etl-waiting", 60_000, "--wait");
		expect((await refused.waitForExit(60_000)).code, refused.describe()).toBe(3);
		expect(refused.output()).toMatch(
			/etl: An openparliament run is already running: run \S+ on etl-cli-\d+ \(pid \d+ on [^)]+\), last renewed \d+ s ago \([^)]+\); its lease expires at \S+, in \d+ s, unless renewed \(--wait waits for it\)/
		);

		const [holderExit, waitingExit] = await Promise.all([holder.waitForExit(60_000), waiting.waitForExit(90_000)]);
		expect(holderExit.code, holder.describe()).toBe(0);
		expect(waitingExit.code, waiting.describe()).toBe(0);
		expect(waiting.output()).toMatch(/waiting for run \S+ on etl-cli-\d+ \(last renewed \d+ s ago\): its lease expires in \d+ s/);
		expect(waiting.output()).toMatch(/openparliament run \S+ succeeded/);
	});

	it("--wait gives up at the expiry when the holder keeps renewing, saying it is alive", async () => {
		// A short lease, renewed every second by a run that lasts longer than it (about 10 s).
		delayMs = 600;
		const holder = cli("etl-renewing", 3_000);
		await whenRunning(holder);
		const waiting = cli("etl-gives-up", 3_000, "--wait");
		const startedAt = Date.now();
		expect((await waiting.waitForExit(60_000)).code, waiting.describe()).toBe(3);
		expect(Date.now() - startedAt).toBeLessThan(30_000);
		expect(waiting.output()).toMatch(/kept renewing the lease, so it is alive/);
		expect(holder.alive).toBe(true);
		expect((await holder.waitForExit(60_000)).code, holder.describe()).toBe(0);
	});
});
