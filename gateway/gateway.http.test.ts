/**
 * The gateway over real HTTP on one in-process node (no transporter): routing, the error shape,
 * request ids, probes, metrics and the event stream.
 */
import type { Context, Service, ServiceBroker, ServiceSchema } from "moleculer";
import { Errors } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type ParamsOf, zodParams } from "../runtime/validation/zod-params.ts";
import { HealthMixin, addHealthCheck } from "../mixins/health.mixin.ts";
import { waitFor } from "../test/helpers/wait-for.ts";
import { bearer, operatorToken } from "../test/helpers/auth.ts";
import { errorOf, request, startGatewayNode } from "../test/kits/gateway-test-kit.ts";

/** /metrics and the event stream are for operators since issue 4. */
const OPERATOR = bearer(operatorToken());

const CreateParams = zodParams(z.strictObject({ name: z.string().max(100), count: z.number().min(0).max(1_000) }));
type CreateParams = ParamsOf<typeof CreateParams>;

const thingsService: ServiceSchema = {
	name: "things",
	actions: {
		create: {
			visibility: "published",
			permissions: ["public"],
			rest: "POST /",
			params: CreateParams,
			handler(ctx: Context<CreateParams>): CreateParams & { requestID: string | null } {
				return { name: ctx.params.name, count: ctx.params.count, requestID: ctx.requestID };
			}
		},
		requestId: {
			visibility: "published",
			permissions: ["public"],
			rest: "GET /request-id",
			handler(ctx: Context): { requestID: string | null } {
				return { requestID: ctx.requestID };
			}
		},
		internal: {
			// Callable from other nodes, never from HTTP, even though it declares a route.
			visibility: "public",
			rest: "GET /internal",
			handler(): { secret: string } {
				return { secret: "internal only" };
			}
		},
		forbidden: {
			visibility: "published",
			permissions: ["public"],
			rest: "GET /forbidden",
			handler(): never {
				throw new Errors.MoleculerClientError("Editors only", 403, "FORBIDDEN", { role: "editor" });
			}
		},
		crash: {
			visibility: "published",
			permissions: ["public"],
			rest: "GET /crash",
			handler(): never {
				throw new Error("connect to db.internal:5432 with password hunter2 failed");
			}
		}
	}
};

/** A dependency whose health check the test switches between passing and failing. */
const database = { up: true };
const flakyService: ServiceSchema = {
	name: "flaky",
	mixins: [HealthMixin()],
	created(this: Service): void {
		addHealthCheck(this, "database", () => (database.up ? Promise.resolve("reachable") : Promise.reject(new Error("connection refused"))));
	}
};

const mobileService: ServiceSchema = {
	name: "mobile",
	actions: {
		ping: { visibility: "published", permissions: ["public"], rest: "GET /ping", handler: (): { pong: boolean } => ({ pong: true }) }
	}
};

let broker: ServiceBroker;
let baseUrl: string;

beforeAll(async () => {
	({ broker, baseUrl } = await startGatewayNode([thingsService, flakyService, mobileService], {}, { sse: { maxClients: 1, keepAliveMs: 200 } }));
});

afterAll(async () => {
	await broker?.stop();
});

const postJson = (path: string, body: string): Promise<Awaited<ReturnType<typeof request>>> =>
	request(`${baseUrl}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body });

function expectNoStack(text: string): void {
	expect(text).not.toMatch(/\bat .+\.(ts|js):\d+/);
	expect(text).not.toContain("stack");
}

describe("gateway routes", () => {
	it("calls a published action through its REST alias", async () => {
		const res = await postJson("/api/v1/things", JSON.stringify({ name: "C-11", count: 3 }));
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ name: "C-11", count: 3 });
	});

	it("does not reach an action that is not published, even with a rest route", async () => {
		const res = await request(`${baseUrl}/api/v1/things/internal`);
		expect(res.status).toBe(404);
		expect(errorOf(res).type).toBe("NOT_FOUND");
		expect(res.text).not.toContain("internal only");
	});

	it("does not publish moleculer-web's alias list", async () => {
		const res = await request(`${baseUrl}/api/v1/gateway/list-aliases`);
		expect(res.status).toBe(404);
	});

	it("serves the mobile service under /mobile/v1 only", async () => {
		expect((await request(`${baseUrl}/mobile/v1/mobile/ping`)).body).toEqual({ pong: true });
		expect((await request(`${baseUrl}/api/v1/mobile/ping`)).status).toBe(404);
	});
});

describe("gateway errors", () => {
	it("answers malformed JSON with 400 in the error shape", async () => {
		const res = await postJson("/api/v1/things", '{"name": "C-11",');
		expect(res.status).toBe(400);
		expect(res.headers.get("content-type")).toMatch(/^application\/json/);
		expect(errorOf(res)).toMatchObject({ type: "INVALID_JSON", code: 400 });
		expectNoStack(res.text);
	});

	it("refuses a body over 1 MB with 413", async () => {
		const big = JSON.stringify({ name: "x".repeat(1_100_000), count: 1 });
		const res = await postJson("/api/v1/things", big);
		expect(res.status).toBe(413);
		expect(errorOf(res)).toMatchObject({ type: "REQUEST_TOO_LARGE", code: 413 });
	});

	it("answers malformed percent-encoding in a path with 400, not a router fault", async () => {
		for (const path of ["/api/v1/things/%ED%A0%80", "/api/v1/things/%E0%A4", "/api/v1/things/%"]) {
			const res = await request(`${baseUrl}${path}`);
			expect(res.status, path).toBe(400);
			expect(errorOf(res), path).toMatchObject({ type: "BAD_REQUEST", code: 400 });
		}
		expect((await request(`${baseUrl}/healthz`)).status).toBe(200);
	});

	// Any other GET is a page of the web app (gateway.static-app.test.ts), never a JSON 404.
	it("answers an unknown route of the API or the mobile API with 404 JSON", async () => {
		for (const path of ["/api/v1/no/such/route", "/api/v2/nothing-here", "/mobile/v1/nope"]) {
			const res = await request(`${baseUrl}${path}`);
			expect(res.status, path).toBe(404);
			expect(errorOf(res), path).toMatchObject({ type: "NOT_FOUND", code: 404 });
		}
	});

	it("answers wrong types with 422 naming each field", async () => {
		const res = await postJson("/api/v1/things", JSON.stringify({ name: 42, count: "three" }));
		expect(res.status).toBe(422);
		const error = errorOf(res);
		expect(error).toMatchObject({ type: "VALIDATION_ERROR", code: 422 });
		const fields = (error.data as { field: string }[]).map((d) => d.field).sort();
		expect(fields).toEqual(["count", "name"]);
		// The node that validated is an internal detail.
		expect(res.text).not.toContain(broker.nodeID);
	});

	it("passes a 403 from an action through with its data", async () => {
		const res = await request(`${baseUrl}/api/v1/things/forbidden`);
		expect(res.status).toBe(403);
		expect(errorOf(res)).toEqual({ type: "FORBIDDEN", message: "Editors only", code: 403, data: { role: "editor" } });
	});

	it("hides what an unexpected error says, and its stack", async () => {
		const res = await request(`${baseUrl}/api/v1/things/crash`);
		expect(res.status).toBe(500);
		expect(errorOf(res)).toEqual({ type: "INTERNAL_ERROR", message: "Internal server error", code: 500 });
		expect(res.text).not.toContain("hunter2");
		expectNoStack(res.text);
	});

	it("answers a method the probes do not take with 405", async () => {
		const res = await request(`${baseUrl}/healthz`, { method: "DELETE" });
		expect(res.status).toBe(405);
		expect(res.headers.get("allow")).toBe("GET, HEAD");
		expect(errorOf(res).type).toBe("METHOD_NOT_ALLOWED");
	});
});

describe("request ids and headers", () => {
	it("echoes a sane X-Request-Id and hands it to the action as ctx.requestID", async () => {
		const res = await request(`${baseUrl}/api/v1/things/request-id`, { headers: { "X-Request-Id": "client-abc.123" } });
		expect(res.headers.get("x-request-id")).toBe("client-abc.123");
		expect(res.body).toEqual({ requestID: "client-abc.123" });
	});

	it("replaces an unsafe id with a fresh one", async () => {
		const res = await request(`${baseUrl}/api/v1/things/request-id`, { headers: { "X-Request-Id": "x".repeat(300) } });
		const id = res.headers.get("x-request-id");
		expect(id).toMatch(/^[0-9a-f-]{36}$/);
		expect(res.body).toEqual({ requestID: id });
	});

	it("puts an id on every response, errors and probes included", async () => {
		const paths = ["/healthz", "/readyz", "/api/v1/nope", "/api/v1/things/crash"];
		const ids = await Promise.all(paths.map(async (p) => (await request(`${baseUrl}${p}`)).headers.get("x-request-id")));
		for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
		expect(new Set(ids).size).toBe(paths.length);
	});

	it("sends nosniff and no X-Powered-By", async () => {
		for (const path of ["/api/v1/things/request-id", "/nope", "/healthz"]) {
			const res = await request(`${baseUrl}${path}`);
			expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
			expect(res.headers.get("x-powered-by"), path).toBeNull();
		}
	});
});

describe("probes", () => {
	it("answers /healthz with 200", async () => {
		const res = await request(`${baseUrl}/healthz`);
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ status: "ok" });
	});

	it("answers /readyz 200 while checks pass and 503 with the reasons while one fails", async () => {
		database.up = true;
		const ready = await request(`${baseUrl}/readyz`);
		expect(ready.status).toBe(200);
		expect(ready.body).toEqual({ status: "ready" });

		database.up = false;
		try {
			const notReady = await request(`${baseUrl}/readyz`);
			expect(notReady.status).toBe(503);
			expect(notReady.body).toEqual({ status: "not-ready", reasons: ["flaky: database: connection refused"] });
			// Liveness does not depend on a dependency.
			expect((await request(`${baseUrl}/healthz`)).status).toBe(200);
		} finally {
			database.up = true;
		}
		expect((await request(`${baseUrl}/readyz`)).status).toBe(200);
	});

	it("answers /metrics with the node's Prometheus text (every node has the reporter)", async () => {
		await request(`${baseUrl}/api/v1/things`);
		const res = await request(`${baseUrl}/metrics`, { headers: OPERATOR });
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
		expect(res.text).toMatch(/moleculer_request_total\{[^}]*action="gateway.rest"/);
	});
});

/** Reads an SSE response until `until` matches the text received so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: RegExp, seen = ""): Promise<string> {
	const decoder = new TextDecoder();
	let text = seen;
	while (!until.test(text)) {
		const { value, done } = await reader.read();
		if (done) throw new Error(`The stream ended before ${String(until)}; got: ${text}`);
		text += decoder.decode(value, { stream: true });
	}
	return text;
}

describe("event stream", () => {
	it("forwards a broadcast health.status.changed, keeps alive, and frees its slot on disconnect", async () => {
		const abort = new AbortController();
		const deadline = setTimeout(() => abort.abort(), 20_000);
		try {
			const res = await fetch(`${baseUrl}/api/v1/events`, { headers: OPERATOR, signal: abort.signal });
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
			expect(res.headers.get("x-request-id")).toBeTruthy();
			const reader = (res.body as ReadableStream<Uint8Array>).getReader();
			let text = await readUntil(reader, /: connected\n\n/);

			// Only one stream is allowed in this test's settings: the next one is refused clearly.
			const second = await request(`${baseUrl}/api/v1/events`, { headers: OPERATOR });
			expect(second.status).toBe(503);
			expect(errorOf(second).type).toBe("TOO_MANY_STREAMS");

			const payload = { kind: "node", id: "worker-1", from: "up", to: "down", at: new Date().toISOString() };
			await broker.broadcast("health.status.changed", payload);
			text = await readUntil(reader, /event: health\.status\.changed\ndata: .*\n\n/, text);
			const data = /event: health\.status\.changed\ndata: (.*)\n\n/.exec(text)?.[1] ?? "null";
			expect(JSON.parse(data)).toEqual(payload);

			await readUntil(reader, /: keep-alive\n\n/, text);
			abort.abort();
		} finally {
			clearTimeout(deadline);
		}
		// The slot is freed once the server sees the client go.
		const next = await waitFor(
			async () => {
				const res = await fetch(`${baseUrl}/api/v1/events`, { headers: OPERATOR, signal: AbortSignal.timeout(5_000) });
				if (res.status === 200) return res;
				await res.body?.cancel();
				return undefined;
			},
			{ message: "a new stream once the first one disconnected" }
		);
		await next.body?.cancel();
	});

	it("refuses other methods on the stream", async () => {
		const res = await request(`${baseUrl}/api/v1/events`, { method: "POST", headers: OPERATOR });
		expect(res.status).toBe(405);
	});
});
