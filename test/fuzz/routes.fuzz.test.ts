/**
 * The bounded run of the route fuzzer (route-fuzzer.ts) against a real node with every service:
 * FUZZ_SECONDS (default 60) of generated requests over HTTP as anonymous, a citizen and an
 * operator. `npm run fuzz -- --seconds N` runs it longer; FUZZ_SEED repeats a run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FuzzNode, declaredResponses, fuzzCallers, startFuzzNode } from "./fuzz-node.ts";
import { type FuzzReport, fuzzRoutes } from "./route-fuzzer.ts";

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

describe("route fuzzer", () => {
	let fuzz: FuzzNode;
	beforeAll(async () => {
		fuzz = await startFuzzNode(process.env.FUZZ_DATABASE_URL);
	}, 120_000);
	afterAll(async () => {
		await fuzz?.node.kill();
	});

	it(
		`holds for every route of the OpenAPI document for ${SECONDS} s: no 5xx, the error shape, no leaks, declared answers, the node stays up`,
		async () => {
			const report: FuzzReport = await fuzzRoutes({
				baseUrl: fuzz.baseUrl,
				callers: fuzzCallers(fuzz.env),
				seconds: SECONDS,
				...(SEED !== undefined ? { seed: SEED } : {}),
				responseOf: await declaredResponses()
			});
			const context = `seed ${report.seed}, ${report.requests} requests over ${report.routes} routes, statuses ${JSON.stringify(report.byStatus)}`;
			expect(report.summary, context).toEqual([]);
			expect(report.healthyAtEnd, context).toBe(true);
			expect(fuzz.node.alive, fuzz.node.describe()).toBe(true);
			// Every class of request was sent, and enough of them to mean something.
			expect(Object.keys(report.byKind).sort(), context).toEqual(expect.arrayContaining(["body-not-object", "broken-content-encoding", "case-varied-path", "deep-json", "hostile-fields", "valid"]));
			expect(report.requests, context).toBeGreaterThan(SECONDS * 5);
			expect(report.routes, context).toBeGreaterThan(20);
		},
		(SECONDS + 180) * 1000
	);
});
