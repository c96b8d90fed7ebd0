/**
 * The etl routes through the real gateway (HTTP on port 0, one in-process node, PGlite): an
 * operator starts a run with POST /api/v1/etl/runs, lists and reads runs (404 for an unknown one,
 * 422 for an unknown source), and sees the run's progress as `etl.run.progress` on the SSE stream
 * /api/v1/events; anonymous and citizen callers are refused. A gateway caller may not name a local
 * file, a url off the source's origins and ETL_URL_ALLOWLIST, or `wait`; the run here reads a local
 * HTTP server (standing in for openparliament.ca) that the allowlist names.
 */
import { fileURLToPath } from "node:url";
import type { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, request, startGatewayNode } from "../../test/kits/gateway-test-kit.ts";
import { accessToken, bearer, operatorToken } from "../../test/helpers/auth.ts";
import { OPENPARLIAMENT_BASE_URL } from "./connectors/openparliament.ts";
import { EtlService } from "./etl.service.ts";
import { LOCAL_TEST_NETWORKS, startLocalServer, type LocalTestServer } from "../../test/kits/local-test-server.ts";
import type { Run } from "./pipeline/runs.ts";
import { servePages } from "../../test/kits/synthetic-parliament.ts";

const EXPORT = fileURLToPath(new URL("./fixtures/openparliament/export", import.meta.url));
const OPERATOR = { ...bearer(operatorToken()), "content-type": "application/json" };

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: RegExp, text = ""): Promise<string> {
	const decoder = new TextDecoder();
	let out = text;
	while (!until.test(out)) {
		const { value, done } = await reader.read();
		if (done) throw new Error(`The stream ended before ${String(until)}; got: ${out}`);
		out += decoder.decode(value, { stream: true });
	}
	return out;
}

describe("etl through the gateway", () => {
	let broker: ServiceBroker;
	let baseUrl: string;
	let source: LocalTestServer;

	beforeAll(async () => {
		source = await startLocalServer(servePages({ size: { politicians: 6, bills: 5, votes: 3, ballotsPerVote: 2 }, pageSize: 4 }));
		const settings = { schedules: [], httpMinIntervalMs: 0, urlAllowlist: [new URL(source.url).origin], allowPrivateNetworks: [...LOCAL_TEST_NETWORKS] };
		({ broker, baseUrl } = await startGatewayNode([EtlService({ database: { kind: "pglite", dataDir: undefined }, settings })]));
	});
	afterAll(async () => {
		await broker?.stop();
		await source?.close();
	});

	const startRun = (body: Record<string, unknown>) => request(`${baseUrl}/api/v1/etl/runs`, { method: "POST", headers: OPERATOR, body: JSON.stringify(body) });

	it("refuses a local file, a url off the allowed origins, and wait", async () => {
		const before = source.requests.length;
		const file = await startRun({ source: "openparliament", file: EXPORT });
		expect(file.status, file.text).toBe(403);
		expect(errorOf(file).message).toContain("npm run etl -- run <source> --file PATH");

		for (const url of ["http://127.0.0.1:1/", "http://169.254.169.254/latest/meta-data/", "https://api.openparliament.ca.evil.example/"]) {
			const foreign = await startRun({ source: "openparliament", url });
			expect(foreign.status, `${url}: ${foreign.text}`).toBe(403);
			expect(errorOf(foreign).type).toBe("ETL_URL_NOT_ALLOWED");
			// The refusal names what is allowed: the source's own origin and the allowlist.
			expect(errorOf(foreign).message).toContain("https://api.openparliament.ca");
			expect(errorOf(foreign).message).toContain(new URL(source.url).origin);
		}
		// Another source's origin is foreign too: the allowlist is per source plus ETL_URL_ALLOWLIST.
		const otherSource = await startRun({ source: "legisinfo", url: OPENPARLIAMENT_BASE_URL });
		expect(otherSource.status, otherSource.text).toBe(403);
		// ocd is pinned to the folder its files are published in, not the whole code-hosting host.
		const published = "https://raw.githubusercontent.com/opencivicdata/ocd-division-ids/master/identifiers/country-ca/";
		for (const url of ["https://raw.githubusercontent.com/someone/else/master/x.csv", `${published}../../../../../someone/else/x.csv`, `${published}..%2F..%2Fx.csv`]) {
			const offPrefix = await startRun({ source: "ocd", url });
			expect(offPrefix.status, `${url}: ${offPrefix.text}`).toBe(403);
			expect(errorOf(offPrefix).message).toContain(published);
		}

		const wait = await startRun({ source: "openparliament", url: source.url, wait: true });
		expect(wait.status, wait.text).toBe(422);
		expect(source.requests.length).toBe(before);
		const runs = await request(`${baseUrl}/api/v1/etl/runs`, { headers: OPERATOR });
		expect((runs.body as { runs: Run[] }).runs).toEqual([]);
	});

	it("refuses anonymous and citizen callers", async () => {
		const anonymous = await request(`${baseUrl}/api/v1/etl/runs`);
		expect(anonymous.status).toBe(401);
		const citizen = await request(`${baseUrl}/api/v1/etl/runs`, { method: "POST", headers: { ...bearer(accessToken("citizen")), "content-type": "application/json" }, body: JSON.stringify({ source: "ocd" }) });
		expect(citizen.status).toBe(403);
		expect(errorOf(citizen).type).toBeTruthy();
	});

	it("starts a run over REST, streams its progress on /api/v1/events, and lists and shows it", async () => {
		const abort = new AbortController();
		const deadline = setTimeout(() => abort.abort(), 30_000);
		try {
			const stream = await fetch(`${baseUrl}/api/v1/events`, { headers: OPERATOR, signal: abort.signal });
			expect(stream.status).toBe(200);
			const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
			let text = await readUntil(reader, /: connected\n\n/);

			// Over HTTP the answer comes when the run has started; its end arrives on the stream.
			const started = await startRun({ source: "openparliament", url: source.url });
			expect(started.status, started.text).toBe(200);
			const startedRun = started.body as Run;
			expect(startedRun).toMatchObject({ source: "openparliament" });

			const done = new RegExp(`event: etl\\.run\\.progress\\ndata: (\\{[^\\n]*"id":"${startedRun.id}"[^\\n]*"status":"succeeded"[^\\n]*)\\n\\n`);
			text = await readUntil(reader, done, text);
			const finished = await request(`${baseUrl}/api/v1/etl/runs/${startedRun.id}`, { headers: OPERATOR });
			const run = finished.body as Run;
			expect(run).toMatchObject({ source: "openparliament", status: "succeeded" });
			expect(run.fetched).toBeGreaterThan(0);
			const progress = JSON.parse(done.exec(text)?.[1] ?? "null") as Run;
			expect(progress).toMatchObject({ id: run.id, fetched: run.fetched, inserted: run.inserted });
			expect(text).toMatch(new RegExp(`event: etl\\.run\\.progress\\ndata: [^\\n]*"id":"${run.id}"[^\\n]*"status":"running"`));
			abort.abort();

			const listed = await request(`${baseUrl}/api/v1/etl/runs?source=openparliament`, { headers: OPERATOR });
			expect(listed.status).toBe(200);
			expect((listed.body as { runs: Run[] }).runs.map((r) => r.id)).toEqual([run.id]);
			const detail = await request(`${baseUrl}/api/v1/etl/runs/${run.id}`, { headers: OPERATOR });
			expect(detail.status).toBe(200);
			expect(detail.body).toMatchObject({ id: run.id, checkpoint: { documents: run.fetched } });
			expect((detail.body as { issues: unknown[] }).issues).toHaveLength(run.invalid);
			const missing = await request(`${baseUrl}/api/v1/etl/runs/no-such-run`, { headers: OPERATOR });
			expect(missing.status).toBe(404);
			const bad = await request(`${baseUrl}/api/v1/etl/runs`, { method: "POST", headers: OPERATOR, body: JSON.stringify({ source: "nowhere" }) });
			expect([400, 422]).toContain(bad.status);
		} finally {
			clearTimeout(deadline);
		}
	});
});
