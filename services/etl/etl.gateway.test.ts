/**
 * The etl routes through the real gateway (HTTP on port 0, one in-process node, PGlite): an
 * operator starts a run with POST /api/v1/etl/runs, lists and reads runs (404 for an unknown one,
 * 422 for an unknown source), and sees the run's progress as `etl.run.progress` on the SSE stream
 * /api/v1/events; anonymous and citizen callers are refused.
 */
import { fileURLToPath } from "node:url";
import type { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, request, startGatewayNode } from "../../gateway/gateway-test-kit.ts";
import { accessToken, bearer, operatorToken } from "../../test/helpers/auth.ts";
import { EtlService } from "./etl.service.ts";
import type { Run } from "./pipeline/runs.ts";

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

	beforeAll(async () => {
		({ broker, baseUrl } = await startGatewayNode([EtlService({ database: { kind: "pglite", dataDir: undefined }, settings: { schedules: [] } })]));
	});
	afterAll(async () => {
		await broker?.stop();
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

			const started = await request(`${baseUrl}/api/v1/etl/runs`, { method: "POST", headers: OPERATOR, body: JSON.stringify({ source: "openparliament", file: EXPORT, wait: true }) });
			expect(started.status, started.text).toBe(200);
			const run = started.body as Run;
			expect(run).toMatchObject({ source: "openparliament", status: "succeeded" });

			const done = new RegExp(`event: etl\\.run\\.progress\\ndata: (\\{[^\\n]*"id":"${run.id}"[^\\n]*"status":"succeeded"[^\\n]*)\\n\\n`);
			text = await readUntil(reader, done, text);
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
