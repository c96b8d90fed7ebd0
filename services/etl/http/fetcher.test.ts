/**
 * The fetcher against a real local HTTP server (127.0.0.1, port 0) that misbehaves on purpose;
 * no internet is needed or used. Backoff bases are a few ms so the retries stay cheap; the one
 * real wait is the 1 s Retry-After the server asks for, which the test checks was honoured.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Fetcher, HttpError, type FetchProgress, type RetryNotice } from "./fetcher.ts";
import { backoffDelay, parseRetryAfter } from "./retry-delay.ts";
import { LOCAL_TEST_NETWORKS, sendJson, startLocalServer, type LocalTestServer } from "../../../test/kits/local-test-server.ts";
import type { DataQualityIssue } from "../records/data-quality.ts";

let server: LocalTestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

const fast = { minIntervalMs: 0, backoffBaseMs: 5, backoffMaxMs: 20, timeoutMs: 2_000, allowPrivateNetworks: LOCAL_TEST_NETWORKS };

function page(objects: unknown[], next: string | null) {
	return { objects, pagination: { offset: 0, limit: objects.length, next_url: next, previous_url: null } };
}

describe("retry delays", () => {
	it("reads Retry-After as seconds or as an HTTP date", () => {
		const now = Date.parse("2026-11-25T12:00:00Z");
		expect(parseRetryAfter("1", now)).toBe(1000);
		expect(parseRetryAfter("Wed, 25 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
		expect(parseRetryAfter("Wed, 25 Nov 2026 11:00:00 GMT", now)).toBe(0);
		expect(parseRetryAfter("soon", now)).toBeUndefined();
		expect(parseRetryAfter(null, now)).toBeUndefined();
	});

	it("doubles the backoff per try up to the cap", () => {
		const top = () => 1;
		expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 100, 500, top))).toEqual([100, 200, 400, 500, 500]);
		expect(backoffDelay(3, 100, 500, () => 0)).toBe(200);
	});
});

describe("Fetcher", () => {
	it("follows relative and absolute next_url links, resolved against the base URL", async () => {
		server = await startLocalServer((_req, res, path) => {
			if (path === "/items/") sendJson(res, 200, page([{ n: 1 }, { n: 2 }], "/items/?offset=2"));
			else if (path === "/items/?offset=2") sendJson(res, 200, page([], `${server?.url}items/?offset=4`));
			else if (path === "/items/?offset=4") sendJson(res, 200, page([{ n: 3 }], null));
			else sendJson(res, 404, {});
		});
		const progress: FetchProgress[] = [];
		const fetcher = new Fetcher({ ...fast, baseUrl: server.url, onProgress: (p) => progress.push(p) });
		const seen: unknown[] = [];
		for await (const p of fetcher.pages("/items/", "test", () => expect.fail("no issue expected"))) seen.push(...p.body.objects);
		expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
		expect(server.requests.map((r) => r.path)).toEqual(["/items/", "/items/?offset=2", "/items/?offset=4"]);
		expect(progress.map((p) => [p.pages, p.records])).toEqual([[1, 2], [2, 2], [3, 3]]);
		expect(server.requests[0]?.headers["user-agent"]).toMatch(/openpolicy/);
	});

	it("stops a next_url loop with a data-quality issue", async () => {
		server = await startLocalServer((_req, res, path) => {
			if (path === "/a/") sendJson(res, 200, page([{ n: 1 }], "/b/"));
			else sendJson(res, 200, page([{ n: 2 }], "/a/"));
		});
		const issues: DataQualityIssue[] = [];
		const fetcher = new Fetcher({ ...fast, baseUrl: server.url });
		let pages = 0;
		for await (const p of fetcher.pages("/a/", "test", (i) => issues.push(i))) pages += p.body.objects.length;
		expect(pages).toBe(2);
		expect(issues).toHaveLength(1);
		expect(issues[0]?.reason).toMatch(/next_url loop/);
		expect(server.requests).toHaveLength(2);
	});

	it("retries 500s and network errors, then succeeds", async () => {
		let calls = 0;
		server = await startLocalServer((req, res) => {
			calls++;
			if (calls === 1) sendJson(res, 500, { error: "boom" });
			else if (calls === 2) req.socket.destroy();
			else sendJson(res, 200, { ok: true });
		});
		const retries: RetryNotice[] = [];
		const fetcher = new Fetcher({ ...fast, baseUrl: server.url, onRetry: (n) => retries.push(n) });
		const got = await fetcher.getJson("/thing/");
		expect(got.body).toEqual({ ok: true });
		expect(retries.map((r) => r.reason)).toEqual(["HTTP 500", expect.stringMatching(/^network error/)]);
		expect(fetcher.progress.retries).toBe(2);
	});

	it("waits as long as a 429's Retry-After asks before trying again", async () => {
		let calls = 0;
		server = await startLocalServer((_req, res) => {
			calls++;
			if (calls === 1) sendJson(res, 429, { detail: "slow down" }, { "retry-after": "1" });
			else sendJson(res, 200, { ok: true });
		});
		const retries: RetryNotice[] = [];
		const fetcher = new Fetcher({ ...fast, baseUrl: server.url, onRetry: (n) => retries.push(n) });
		await fetcher.getJson("/limited/");
		expect(retries).toEqual([{ url: `${server.url}limited/`, tryNumber: 1, reason: "HTTP 429", delayMs: 1000 }]);
		const [first, second] = server.requests.map((r) => r.at);
		expect((second ?? 0) - (first ?? Infinity)).toBeGreaterThanOrEqual(990);
	});

	it("cuts a stalled response with the per-request timeout and retries it", async () => {
		let calls = 0;
		server = await startLocalServer((_req, res) => {
			calls++;
			// First answer: headers and half a body, then nothing.
			if (calls === 1) {
				res.writeHead(200, { "content-type": "application/json" });
				res.write('{"objects": [');
			} else sendJson(res, 200, { ok: calls });
		});
		const retries: RetryNotice[] = [];
		const fetcher = new Fetcher({ ...fast, timeoutMs: 300, baseUrl: server.url, onRetry: (n) => retries.push(n) });
		const got = await fetcher.getJson("/slow/");
		expect(got.body).toEqual({ ok: 2 });
		expect(retries[0]?.reason).toBe("timed out after 300 ms");
	});

	it("gives up after maxTries and does not retry a 404", async () => {
		server = await startLocalServer((_req, res, path) => sendJson(res, path === "/missing/" ? 404 : 503, {}));
		const fetcher = new Fetcher({ ...fast, maxTries: 3, baseUrl: server.url });
		await expect(fetcher.getJson("/down/")).rejects.toMatchObject({ name: "HttpError", status: 503, message: expect.stringMatching(/after 3 tries/) });
		expect(server.requests.filter((r) => r.path === "/down/")).toHaveLength(3);
		const missing = await fetcher.getJson("/missing/").catch((e: unknown) => e);
		expect(missing).toBeInstanceOf(HttpError);
		expect((missing as HttpError).status).toBe(404);
		expect(server.requests.filter((r) => r.path === "/missing/")).toHaveLength(1);
	});

	it("keeps the minimum interval between request starts", async () => {
		server = await startLocalServer((_req, res) => sendJson(res, 200, {}));
		const fetcher = new Fetcher({ ...fast, minIntervalMs: 100, baseUrl: server.url });
		await Promise.all([fetcher.getJson("/1"), fetcher.getJson("/2"), fetcher.getJson("/3"), fetcher.getJson("/4")]);
		const times = server.requests.map((r) => r.at).sort((a, b) => a - b);
		expect(times).toHaveLength(4);
		// Arrival times at the server jitter by the connection set-up of each request (a busy CI
		// machine saw 90 ms between two starts 100 ms apart), so: no two requests close together,
		// and the spacing adds up over the run; without the limit all four arrive within a few ms.
		const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
		for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(50);
		expect((times[3] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(3 * 100 - 30);
	});

	it("stops waiting and requesting when the run is cancelled", async () => {
		server = await startLocalServer((_req, res) => sendJson(res, 503, {}, { "retry-after": "30" }));
		const controller = new AbortController();
		const fetcher = new Fetcher({ ...fast, baseUrl: server.url, signal: controller.signal, onRetry: () => controller.abort(new Error("cancelled by operator")) });
		await expect(fetcher.getJson("/x/")).rejects.toThrow("cancelled by operator");
		expect(server.requests).toHaveLength(1);
	});

	it("reports a body that is not a page as an issue instead of looping on it", async () => {
		server = await startLocalServer((_req, res) => sendJson(res, 200, { results: [] }));
		const issues: DataQualityIssue[] = [];
		const fetcher = new Fetcher({ ...fast, baseUrl: server.url });
		const pages = [];
		for await (const p of fetcher.pages("/odd/", "test", (i) => issues.push(i))) pages.push(p);
		expect(pages).toEqual([]);
		expect(issues[0]?.reason).toMatch(/not a page of results: objects/);
	});
});
