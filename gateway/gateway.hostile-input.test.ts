/**
 * Issue 9, hostile input at the edge, one class per block, against a node started the way an
 * operator starts it (the real boot path in its own process, tracing sampling every call as in
 * development), checked alive and serving after each:
 * - "one request crashes the node": before the fix, one 12 kB body nested 5,000 levels deep was
 *   accepted, copied into a span, and JSON.stringify in the exporter's timer overflowed the stack:
 *   the process exited with RangeError;
 * - bodies: broken Content-Encoding was a 500, a non-JSON Content-Type was ignored;
 * - the lower items: slow clients, connection hoarding, OPTIONS, two credentials, what 401/403 and
 *   validation errors say.
 * The sign-in limit and no-store need the real auth service: gateway.edge-by-action.test.ts.
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessToken, bearer, operatorToken } from "../test/helpers/auth.ts";
import { type HttpResult, errorOf, http, summarize } from "../test/helpers/http.ts";
import { type NodeProcess, spawnNode } from "../test/helpers/node-process.ts";
import { waitFor } from "../test/helpers/wait-for.ts";
import { MAX_JSON_DEPTH } from "./json-body.ts";

/** The exporter flushes every 5 s; a busy machine may take longer to get there. */
const EXPORT_WAIT_MS = 20_000;
const HEADERS_TIMEOUT_S = 2;
const REQUEST_TIMEOUT_S = 4;
const MAX_CONNECTIONS = 12;
const APP_ORIGIN = "https://app.openpolicy.test";

interface SpanSeen {
	name: string;
	tags: Record<string, unknown>;
}

function nested(depth: number): string {
	let text = "1";
	for (let i = 0; i < depth; i++) text = `{"a":${text}}`;
	return text;
}

let node: NodeProcess;

beforeAll(async () => {
	// No TRANSPORTER: one node, as `npm start` runs; NODE_ENV=test samples every call.
	node = await spawnNode({
		nodeID: `hostile-${randomUUID().slice(0, 6)}`,
		namespace: `hostile-${randomUUID().slice(0, 8)}`,
		transporter: "",
		services: ["gateway"],
		fixtures: ["sink"],
		env: {
			HTTP_HEADERS_TIMEOUT: String(HEADERS_TIMEOUT_S),
			HTTP_REQUEST_TIMEOUT: String(REQUEST_TIMEOUT_S),
			HTTP_MAX_CONNECTIONS_PER_IP: String(MAX_CONNECTIONS),
			CORS_ORIGINS: APP_ORIGIN
		}
	});
	await waitFor(async () => (await http(node.url("/api/v1/sink/spans"))).status === 200, { timeoutMs: 30_000, message: () => `the sink's routes\n${node.describe()}` });
});
afterAll(async () => {
	await node?.kill();
});

async function expectAlive(): Promise<void> {
	expect(node.alive, node.describe()).toBe(true);
	const health = await http(node.url("/healthz"));
	expect(health.status, summarize(health)).toBe(200);
}

/** A raw body, sent as it is (test/helpers/http.ts would serialise it). */
async function post(path: string, body: string | Uint8Array, headers: Record<string, string> = { "content-type": "application/json" }): Promise<HttpResult> {
	const started = performance.now();
	const res = await fetch(node.url(path), { method: "POST", headers, body, signal: AbortSignal.timeout(15_000) });
	const text = await res.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, headers: res.headers, text, json, ms: performance.now() - started };
}

function postJson(path: string, body: string): Promise<HttpResult> {
	return post(path, body);
}

async function callsOf(action: string): Promise<number> {
	const res = await http(node.url("/api/v1/sink/spans"));
	return (res.json as { calls: Record<string, number> }).calls[action] ?? 0;
}

/** A raw socket that writes `text` and resolves with what the server sent before closing, and when. */
function rawExchange(text: string, timeoutMs: number): Promise<{ reply: string; closedAfterMs: number }> {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const socket = net.connect(node.port, "127.0.0.1", () => socket.write(text));
		let reply = "";
		socket.setEncoding("utf8");
		socket.on("data", (chunk: string) => (reply += chunk));
		socket.on("error", () => undefined);
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`the server kept a slow request open for ${timeoutMs} ms`));
		}, timeoutMs);
		socket.on("close", () => {
			clearTimeout(timer);
			resolve({ reply, closedAfterMs: performance.now() - started });
		});
	});
}

async function exportedSpan(name: string): Promise<SpanSeen> {
	return waitFor(
		async () => {
			const res = await http(node.url("/api/v1/sink/spans"));
			return (res.json as { spans: SpanSeen[] }).spans.find((span) => span.name === name);
		},
		{ timeoutMs: EXPORT_WAIT_MS, message: () => `a span of ${name} to be exported\n${node.describe()}` }
	);
}

describe("a node with tracing on takes what crashed it and keeps serving", () => {
	it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels with 400 before any action runs`, async () => {
		const deep = await postJson("/api/v1/sink/accept", nested(5_000));
		expect(deep.status, summarize(deep)).toBe(400);
		expect(errorOf(deep)).toMatchObject({ type: "JSON_TOO_DEEP", code: 400, data: { maxDepth: MAX_JSON_DEPTH } });
		const justOver = await postJson("/api/v1/sink/accept", nested(MAX_JSON_DEPTH + 1));
		expect(errorOf(justOver).type).toBe("JSON_TOO_DEEP");
		// Brackets inside strings are text, not nesting.
		const atLimit = await postJson("/api/v1/sink/accept", nested(MAX_JSON_DEPTH).replace('"a"', `"${"[".repeat(100)}"`));
		expect(atLimit.status, summarize(atLimit)).toBe(200);
		// The span of the accepted call is exported (the exporter's timer ran) with a bounded summary.
		const span = await exportedSpan("action 'sink.accept'");
		expect(JSON.stringify(span.tags.params).length).toBeLessThan(400);
		await expectAlive();
	});

	it("exports a span whose tags no serialiser can write, and keeps serving", async () => {
		const res = await http(node.url("/api/v1/sink/odd"));
		expect(res.status, summarize(res)).toBe(200);
		const span = await exportedSpan("action 'sink.odd'");
		expect(span.tags.big).toBe("1000000000000000000000000000000n");
		expect(span.tags.cycle).toEqual({ name: "cycle", self: "[cycle]" });
		await expectAlive();
	});

	it("logs and counts a failing event handler, and keeps serving", async () => {
		const res = await postJson("/api/v1/sink/boom", "{}");
		expect(res.status, summarize(res)).toBe(200);
		const line = await waitFor(
			async () => {
				const metrics = await http(node.url("/metrics"), { headers: bearer(operatorToken()) });
				return metrics.text.split("\n").find((l) => l.startsWith("platform_faults_contained_total{") && l.includes('source="event"'));
			},
			{ message: () => `the contained fault to be counted\n${node.describe()}` }
		);
		expect(Number(line.split(" ").at(-1))).toBeGreaterThanOrEqual(1);
		expect(node.output()).toContain("the sink's event handler failed on purpose");
		await expectAlive();
	});

	it("logs and counts a promise rejection nobody awaited, and keeps serving", async () => {
		const res = await postJson("/api/v1/sink/stray", "{}");
		expect(res.status, summarize(res)).toBe(200);
		await waitFor(
			async () => {
				const metrics = await http(node.url("/metrics"), { headers: bearer(operatorToken()) });
				return metrics.text.split("\n").some((l) => l.startsWith("platform_faults_contained_total{") && l.includes('source="process"'));
			},
			{ message: () => `the stray rejection to be counted\n${node.describe()}` }
		);
		expect(node.output()).toContain("a stray rejection nobody awaited");
		await expectAlive();
	});
});

describe("an uncaught exception outside the platform's contained work", () => {
	it("is logged, and the node stops with exit code 1 instead of serving on in an unknown state", async () => {
		const doomed = await spawnNode({ nodeID: `fatal-${randomUUID().slice(0, 6)}`, namespace: `fatal-${randomUUID().slice(0, 8)}`, transporter: "", services: ["gateway"], fixtures: ["sink"] });
		try {
			await waitFor(async () => (await http(doomed.url("/api/v1/sink/spans"))).status === 200, { timeoutMs: 30_000, message: () => `the sink's routes\n${doomed.describe()}` });
			await http(doomed.url("/api/v1/sink/fatal"), { method: "POST", body: {} });
			const exit = await doomed.waitForExit(15_000);
			expect(exit.code, doomed.describe()).toBe(1);
			expect(doomed.output()).toContain("a programming error in a bare timer");
			expect(doomed.output()).toContain("left this process in an unknown state");
		} finally {
			await doomed.kill();
		}
		// The node under test is another process, untouched.
		await expectAlive();
	});
});

describe("bodies: a broken encoding is a 400 and a body that is not JSON a 415, never a 500", () => {
	const json = Buffer.from(JSON.stringify({ bill: "C-10" }));
	const encoders: Record<string, (data: Buffer) => Buffer> = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, br: zlib.brotliCompressSync };

	it("decodes a well-formed gzip, deflate or br body and refuses a broken one with 400", async () => {
		for (const [encoding, encode] of Object.entries(encoders)) {
			const good = await post("/api/v1/sink/accept", encode(json), { "content-type": "application/json", "content-encoding": encoding });
			expect(good.status, `${encoding}: ${summarize(good)}`).toBe(200);
			const truncated = encode(json).subarray(0, 8);
			for (const broken of [Buffer.from("this is not compressed at all"), truncated]) {
				const res = await post("/api/v1/sink/accept", broken, { "content-type": "application/json", "content-encoding": encoding });
				expect(res.status, `${encoding}: ${summarize(res)}`).toBe(400);
				expect(errorOf(res)).toMatchObject({ type: "INVALID_CONTENT_ENCODING", code: 400 });
			}
		}
		const unknown = await post("/api/v1/sink/accept", json, { "content-type": "application/json", "content-encoding": "compress" });
		expect(unknown.status, summarize(unknown)).toBe(415);
		await expectAlive();
	});

	it("refuses a body that is not JSON with 415 on a JSON route, without running the action", async () => {
		const before = await callsOf("accept");
		for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx"]) {
			const res = await post("/api/v1/sink/accept", "bill=C-10", { "content-type": type });
			expect(res.status, `${type}: ${summarize(res)}`).toBe(415);
			expect(errorOf(res)).toMatchObject({ type: "UNSUPPORTED_MEDIA_TYPE", code: 415 });
		}
		// fetch would label a string body text/plain: a raw request sends a body with no type at all.
		const untyped = await rawExchange("POST /api/v1/sink/accept HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", 10_000);
		expect(untyped.reply).toMatch(/^HTTP\/1\.1 415/);
		const latin1 = await post("/api/v1/sink/accept", "{}", { "content-type": "application/json; charset=iso-8859-1" });
		expect(latin1.status, summarize(latin1)).toBe(415);
		expect(await callsOf("accept")).toBe(before);
		const structured = await post("/api/v1/sink/accept", "{}", { "content-type": "application/merge-patch+json" });
		expect(structured.status, summarize(structured)).toBe(200);
		await expectAlive();
	});
});

describe("the lower items", () => {
	it("closes a connection whose headers or body are not sent in time, with 408", async () => {
		const headers = await rawExchange("GET /healthz HTTP/1.1\r\nHost: test\r\n", (HEADERS_TIMEOUT_S + 6) * 1000);
		expect(headers.reply).toMatch(/^HTTP\/1\.1 408/);
		expect(headers.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_S * 1000 - 100);
		const body = await rawExchange("POST /api/v1/sink/accept HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\"", (REQUEST_TIMEOUT_S + 6) * 1000);
		expect(body.reply).toMatch(/408/);
		await expectAlive();
	});

	it("caps the connections one address may hold", async () => {
		const sockets: net.Socket[] = [];
		try {
			for (let i = 0; i < MAX_CONNECTIONS; i++) {
				sockets.push(await new Promise<net.Socket>((resolve) => {
					const socket = net.connect(node.port, "127.0.0.1", () => resolve(socket));
					socket.on("error", () => undefined);
				}));
			}
			// fetch's own keep-alive connection may hold one of the slots, so one of these is refused at the latest.
			const refused = await rawExchange("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n", 5_000);
			expect(refused.reply).toMatch(/^HTTP\/1\.1 503/);
			expect(refused.reply).toContain("TOO_MANY_CONNECTIONS");
		} finally {
			for (const socket of sockets) socket.destroy();
		}
		await waitFor(async () => (await http(node.url("/healthz"))).status === 200, { message: "a connection to be admitted again" });
		await expectAlive();
	});

	it("answers OPTIONS with Allow and CORS preflights without running the action", async () => {
		const plain = await fetch(node.url("/api/v1/sink/any"), { method: "OPTIONS", signal: AbortSignal.timeout(15_000) });
		expect(plain.status).toBe(204);
		expect(plain.headers.get("allow")).toBe("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
		const post = await fetch(node.url("/api/v1/sink/ACCEPT"), { method: "OPTIONS", signal: AbortSignal.timeout(15_000) });
		expect(post.headers.get("allow")).toBe("POST, OPTIONS");
		const preflight = await fetch(node.url("/api/v1/sink/any"), {
			method: "OPTIONS",
			headers: { origin: APP_ORIGIN, "access-control-request-method": "POST" },
			signal: AbortSignal.timeout(15_000)
		});
		expect(preflight.status).toBe(204);
		expect(preflight.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
		const nowhere = await http(node.url("/api/v1/sink/nowhere"), { method: "OPTIONS" });
		expect(nowhere.status).toBe(404);
		expect(await callsOf("any")).toBe(0);
		await expectAlive();
	});

	it("refuses a request that carries a Bearer token and an API key with 400", async () => {
		const res = await http(node.url("/api/v1/sink/spans"), { headers: { ...bearer(operatorToken()), "x-api-key": "opk_some_key" } });
		expect(res.status, summarize(res)).toBe(400);
		expect(errorOf(res)).toMatchObject({ type: "AMBIGUOUS_CREDENTIALS", code: 400 });
		await expectAlive();
	});

	it("says which permission a 401 or 403 needs, not which action was reached", async () => {
		const anonymous = await http(node.url("/api/v1/sink/guarded"));
		expect(anonymous.status, summarize(anonymous)).toBe(401);
		expect(errorOf(anonymous).data).toEqual({ required: ["users:manage"] });
		const citizen = await http(node.url("/api/v1/sink/guarded"), { headers: bearer(accessToken("citizen")) });
		expect(citizen.status, summarize(citizen)).toBe(403);
		expect(errorOf(citizen).data).toEqual({ required: ["users:manage"] });
		expect(anonymous.text + citizen.text).not.toContain("sink.guarded");
		await expectAlive();
	});

	it("names the field and rule of a validation error and never echoes a large value", async () => {
		const huge = "9".repeat(200_000);
		const res = await postJson("/api/v1/sink/count", JSON.stringify({ count: huge }));
		expect(res.status, summarize(res)).toBe(422);
		expect(res.text.length).toBeLessThan(1_000);
		const issues = errorOf(res).data as { field: string; type: string; actual?: unknown }[];
		expect(issues[0]).toMatchObject({ field: "count", type: "number" });
		expect(issues[0]?.actual).toBeUndefined();
		const small = await postJson("/api/v1/sink/count", JSON.stringify({ count: "seven" }));
		expect((errorOf(small).data as { actual?: unknown }[])[0]?.actual).toBe("seven");
		await expectAlive();
	});
});
