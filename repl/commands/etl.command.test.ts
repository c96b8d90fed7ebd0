/**
 * The REPL's `etl` command against a real etl service (PGlite in memory): what `etl run` and
 * `etl status` print, including an unknown source and a busy one, and the CLI's progress renderers.
 */
import { fileURLToPath } from "node:url";
import { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { EtlService } from "../../services/etl/etl.service.ts";
import { LOCAL_TEST_NETWORKS, startLocalServer, type LocalTestServer } from "../../test/kits/local-test-server.ts";
import { progressBar, progressLine, renderRuns } from "../etl-run-report.ts";
import type { Run } from "../../services/etl/etl.contract.ts";
import { servePages } from "../../test/kits/synthetic-parliament.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { etlRun, etlStatus } from "./etl.command.ts";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";

const EXPORT = fileURLToPath(new URL("../../services/etl/fixtures/openparliament/export", import.meta.url));
const pglite = BACKENDS.find((b) => b.name.startsWith("PGlite"));

describe("REPL etl command", () => {
	let created: TestDatabase;
	let broker: ServiceBroker;
	let server: LocalTestServer;
	let holding = true;
	let held: Array<() => void> = [];
	const release = (): void => {
		holding = false;
		for (const answer of held) answer();
		held = [];
	};

	beforeAll(async () => {
		if (!pglite) throw new Error("no test backend");
		created = await pglite.create();
		// Holds every request until released: a run that stays busy as long as the test needs.
		const serve = servePages({ size: { politicians: 2, bills: 0, votes: 0 }, pageSize: 5 });
		server = await startLocalServer((req, res, path) => {
			if (holding) held.push(() => serve(req, res, path));
			else serve(req, res, path);
		});
		broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: `repl-etl-${process.pid}`, logger: false });
		broker.createService(EtlService({ database: created.config, settings: { httpMinIntervalMs: 0, schedules: [], allowPrivateNetworks: [...LOCAL_TEST_NETWORKS] } }));
		await broker.start();
	});
	afterAll(async () => {
		release();
		await broker?.stop();
		await server?.close();
		await created?.drop();
	});

	it("says there are no runs yet, then runs a source from a file and prints its counts", async () => {
		expect(await etlStatus(broker)).toBe("No ETL runs yet.");
		const out = await etlRun(broker, "openparliament", { file: EXPORT });
		expect(out).toMatch(/^openparliament run \S+ SUCCEEDED: fetched \d+, inserted \d+, updated 0, unchanged \d+, invalid 1$/);
		const status = await etlStatus(broker);
		expect(status).toMatch(/RUN\s+SOURCE\s+STATUS/);
		expect(status).toMatch(/openparliament\s+SUCCEEDED/);
	});

	it("names the sources for an unknown one, and says Busy with the running run for a busy one", async () => {
		expect(await etlRun(broker, "nowhere", {})).toMatch(/^Unknown source "nowhere" \(one of .*openparliament/);
		const running = etlRun(broker, "openparliament", { url: server.url });
		await waitFor(async () => (await broker.call<{ runs: Run[] }, { status: string }>("etl.runs", { status: "running" })).runs.length > 0, { message: "the first run to be running" });
		expect(await etlRun(broker, "openparliament", { url: server.url })).toMatch(
			/^Busy: An openparliament run is already running: run \S+ on \S+ \(pid \d+ on [^)]+\), last renewed \d+ s ago \([^)]+\); its lease expires at \S+, in \d+ s, unless renewed/
		);
		release();
		expect(await running).toMatch(/^openparliament run \S+ SUCCEEDED: fetched 2, /);
	});

	it("renders progress as a line for logs and as a bar that fits the terminal", () => {
		const run = {
			id: "r1",
			source: "openparliament",
			status: "running",
			fetched: 5,
			inserted: 3,
			updated: 1,
			unchanged: 1,
			invalid: 0,
			progress: { documents: 5, url: "http://x/votes/" },
			createdAt: new Date(0).toISOString(),
			startedAt: new Date(0).toISOString(),
			finishedAt: null,
			resumedFrom: null,
			error: null
		} as unknown as Run;
		expect(progressLine(run)).toBe("openparliament r1 running: 5 documents, fetched 5, inserted 3, updated 1, unchanged 1, invalid 0 at http://x/votes/");
		expect(progressBar(run, 80)).toMatch(/^[|/\\-] openparliament: 5 docs \| \+3 ~1 =1 !0$/);
		expect(progressBar(run, 12)).toHaveLength(11);
		expect(renderRuns([run])).toMatch(/r1\s+openparliament\s+RUNNING/);
	});
});
