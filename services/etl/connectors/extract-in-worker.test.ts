/**
 * The worker-thread bridge: the same steps as extracting on this thread, in the same order, with
 * ballots rebuilt from their packed form; a failure inside the worker and an abort from outside
 * both end it with a clear error; reading ahead stops at the window until steps are consumed.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LOCAL_TEST_NETWORKS, sendJson, startLocalServer } from "../../../test/kits/local-test-server.ts";
import { extractTransform, type TransformStep } from "./extract-transform.ts";
import { extractTransformInWorker } from "./extract-in-worker.ts";
import { openparliamentConnector } from "./openparliament.ts";

const exportDir = fileURLToPath(new URL("../fixtures/openparliament/export", import.meta.url));

/** A step as comparable data: ballots as records, the document without its (possibly absent) body. */
function comparable(step: TransformStep): unknown {
	const { document, ballots, ...rest } = step;
	const identity = Object.fromEntries(Object.entries(document).filter(([key]) => key !== "body" && key !== "fetchedAt"));
	return { ...rest, document: identity, ballots: ballots?.toArray() ?? [] };
}

describe("extract and transform on a worker thread", () => {
	it("yields what extracting on this thread yields, issues included, in order", async () => {
		const local: TransformStep[] = [];
		const localIssues: unknown[] = [];
		for await (const step of extractTransform(openparliamentConnector(), { file: exportDir, onIssue: (i) => localIssues.push(i) })) local.push(step);
		const remote: TransformStep[] = [];
		const remoteIssues: unknown[] = [];
		for await (const step of extractTransformInWorker("openparliament", {}, { file: exportDir, onIssue: (i) => remoteIssues.push(i) })) remote.push(step);
		expect(remote.map(comparable)).toEqual(local.map(comparable));
		expect(remoteIssues).toEqual(localIssues);
		// This file mixes ballots with an item of another kind, so its ballots are a document of their own, with a body.
		const page = remote.find((s) => s.document.resource === "ballots");
		expect(page?.document.text).toBeUndefined();
		expect(page?.document.body).toEqual({ objects: [expect.anything(), expect.anything()] });
		expect(page?.ballots?.length).toBe(2);
	});

	it("ends with the worker's error when extraction fails there", async () => {
		const steps = extractTransformInWorker("openparliament", {}, { file: "/no/such/export" });
		await expect(steps.next()).rejects.toThrow(/ENOENT.*\/no\/such\/export/);
	});

	it("an abort ends a run that is waiting on a slow server, with the abort's reason", async () => {
		const server = await startLocalServer((_req, res) => {
			setTimeout(() => sendJson(res, 200, { objects: [], pagination: { next_url: null } }), 10_000).unref();
		});
		try {
			const controller = new AbortController();
			const steps = extractTransformInWorker("openparliament", {}, { url: server.url, signal: controller.signal, http: { minIntervalMs: 0, allowPrivateNetworks: [...LOCAL_TEST_NETWORKS] } });
			const first = steps.next();
			setTimeout(() => controller.abort(new Error("cancelled by an operator")), 200);
			const started = performance.now();
			await expect(first).rejects.toThrow("cancelled by an operator");
			expect(performance.now() - started).toBeLessThan(5_000);
		} finally {
			await server.close();
		}
	});

	it("reads ahead no further than its window until the consumer takes steps", async () => {
		let served = 0;
		const server = await startLocalServer((_req, res, path) => {
			served++;
			const offset = Number(new URL(path, "http://x").searchParams.get("offset") ?? 0);
			sendJson(res, 200, {
				objects: Array.from({ length: 10 }, (_, k) => ({ vote_url: "/votes/44-1/1/", politician_url: `/politicians/mp-${offset + k}/`, politician_membership_url: null, ballot: "Yes" })),
				pagination: { offset, limit: 10, next_url: offset < 1_000 ? `/votes/ballots/?offset=${offset + 10}` : null }
			});
		});
		try {
			const steps = extractTransformInWorker("openparliament", { openparliament: { resources: ["ballots"] } }, { url: server.url, http: { minIntervalMs: 0, allowPrivateNetworks: [...LOCAL_TEST_NETWORKS] }, windowItems: 25 });
			const first = await steps.next();
			// A page fetched over HTTP crosses as the text it arrived as, without its parsed body.
			expect(first.value?.document.text).toMatch(/^\{"objects":/);
			expect(first.value?.document.body).toBeUndefined();
			// A slow consumer (5 ms per page): without the window the worker would fetch far ahead. Three
			// pages of ten fill a window of 25, a page taken frees one more, and the worker fetches one
			// beyond before it waits: the lead of fetched over taken pages stays within a few pages.
			let pages = 1;
			let lead = served - pages;
			for await (const step of steps) {
				pages += step.items > 0 ? 1 : 0;
				lead = Math.max(lead, served - pages);
				await new Promise((resolve) => setTimeout(resolve, 5));
			}
			expect(lead).toBeLessThanOrEqual(5);
			expect(pages).toBe(101);
		} finally {
			await server.close();
		}
	});
});
