/**
 * deploy/nginx.conf with Debian's nginx (installed by .ci/run when missing) in front of a real
 * gateway: the file as shipped, with only its ports, upstream address and certificate paths
 * swapped for this machine's. Reached over https with a certificate from `npm run deploy --
 * dev-cert`'s code: HTTP/2 by ALPN, gzip, HSTS (the gateway believed X-Forwarded-Proto with
 * TRUST_PROXY=1; asked directly it sends none), the event stream arriving event by event (the
 * file turns buffering off there, and the gateway's `X-Accel-Buffering: no` would too: either
 * suffices, so this checks the path end to end rather than that one line), and plain http
 * redirected to https.
 */
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import http2 from "node:http2";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request, startGatewayNode } from "../test/kits/gateway-test-kit.ts";
import { loadEnv } from "../runtime/env.ts";
import { makeDevCert } from "../services/deployment/manifests/dev-cert.ts";
import echo from "../test/fixtures/echo.service.ts";
import { bearer, operatorToken } from "../test/helpers/auth.ts";
import { ManagedChild } from "../test/helpers/child.ts";
import { freePort } from "../test/helpers/free-port.ts";
import { PROJECT_ROOT } from "../test/helpers/node-process.ts";
import { waitFor } from "../test/helpers/wait-for.ts";

/** The shipped file with this machine's ports and paths; every other line as it is. */
export function localNginxConfig(shipped: string, o: { https: number; http: number; upstream: string; cert: string; key: string }): string {
	const swaps: [RegExp, string][] = [
		[/listen 8443 ssl http2;/, `listen 127.0.0.1:${o.https} ssl http2;`],
		[/listen 8080;/, `listen 127.0.0.1:${o.http};`],
		[/server gateway:8000 /, `server ${o.upstream} `],
		[/ssl_certificate \/etc\/nginx\/certs\/dev\.crt;/, `ssl_certificate ${o.cert};`],
		[/ssl_certificate_key \/etc\/nginx\/certs\/dev\.key;/, `ssl_certificate_key ${o.key};`],
		[/access_log \/dev\/stdout;/, "access_log off;"]
	];
	let text = shipped;
	for (const [from, to] of swaps) {
		if (!from.test(text)) throw new Error(`deploy/nginx.conf no longer has ${String(from)}: update this test's swaps`);
		text = text.replace(from, to);
	}
	return text;
}

interface Answer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: Buffer;
}

function httpsGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const req = https.get(url, { ca, headers, timeout: 10_000 }, (res) => {
			const chunks: Buffer[] = [];
			res.on("data", (c: Buffer) => chunks.push(c));
			res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
		});
		req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
		req.on("error", reject);
	});
}

describe("nginx in front of the gateway (deploy/nginx.conf)", () => {
	let broker: ServiceBroker;
	let gatewayUrl: string;
	let nginx: ManagedChild;
	let dir: string;
	let ca: string;
	let base: string;
	let plainPort: number;

	beforeAll(async () => {
		dir = await mkdtemp(path.join(os.tmpdir(), "op-nginx-"));
		const cert = await makeDevCert(path.join(dir, "certs"), ["localhost", "127.0.0.1"]);
		ca = await readFile(cert.cert, "utf8");
		({ broker, baseUrl: gatewayUrl } = await startGatewayNode([echo], {}, { env: loadEnv({ NODE_ENV: "test", TRUST_PROXY: "1" }) }));
		const [httpsPort, httpPort] = [await freePort(), await freePort()];
		plainPort = httpPort;
		const conf = path.join(dir, "nginx.conf");
		await writeFile(conf, localNginxConfig(await readFile(path.join(PROJECT_ROOT, "deploy/nginx.conf"), "utf8"), { https: httpsPort, http: httpPort, upstream: new URL(gatewayUrl).host, cert: cert.cert, key: cert.key }));
		nginx = new ManagedChild({ name: "nginx", command: "nginx", args: ["-p", dir, "-c", conf, "-g", `daemon off; pid ${path.join(dir, "nginx.pid")}; error_log stderr warn;`], env: process.env });
		base = `https://127.0.0.1:${httpsPort}`;
		await waitFor(async () => nginx.alive && (await httpsGet(`${base}/healthz`, ca).catch(() => undefined))?.status === 200, {
			timeoutMs: 15_000,
			message: () => `nginx to answer over https\n${nginx.describe()}`
		});
	}, 60_000);

	afterAll(async () => {
		await nginx?.kill();
		await broker?.stop();
		if (dir) await rm(dir, { recursive: true, force: true });
	});

	it("serves the API over TLS with HTTP/2, and the gateway believes the forwarded scheme (HSTS)", async () => {
		const session = http2.connect(base, { ca });
		try {
			const answer = await new Promise<{ status: number; hsts: unknown; body: string }>((resolve, reject) => {
				const req = session.request({ ":path": "/api/v1/echo/whoami" });
				let body = "";
				let status = 0;
				let hsts: unknown;
				req.on("response", (h) => {
					status = Number(h[":status"]);
					hsts = h["strict-transport-security"];
				});
				req.setEncoding("utf8");
				req.on("data", (c: string) => (body += c));
				req.on("end", () => resolve({ status, hsts, body }));
				req.on("error", reject);
				req.end();
			});
			expect(session.alpnProtocol).toBe("h2");
			expect(answer.status).toBe(200);
			expect(JSON.parse(answer.body)).toEqual({ nodeID: broker.nodeID });
			expect(answer.hsts).toBe("max-age=31536000; includeSubDomains");
		} finally {
			session.close();
		}
		// Asked directly over plain http, the same gateway sends no HSTS: it came from the proxy's header.
		expect((await request(`${gatewayUrl}/api/v1/echo/whoami`)).headers.get("strict-transport-security")).toBeNull();
	});

	it("compresses large JSON answers", async () => {
		const res = await httpsGet(`${base}/api/v1/openapi.json`, ca, { "accept-encoding": "gzip" });
		expect(res.status).toBe(200);
		expect(res.headers["content-encoding"]).toBe("gzip");
		expect(JSON.parse(gunzipSync(res.body).toString("utf8"))).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) as unknown });
	});

	it("passes the event stream through unbuffered: each event arrives on its own", async () => {
		const abort = new AbortController();
		const events = await new Promise<{ read: (until: RegExp) => Promise<string> }>((resolve, reject) => {
			const req = https.get(`${base}/api/v1/events`, { ca, headers: bearer(operatorToken()), signal: abort.signal }, (res) => {
				if (res.statusCode !== 200) reject(new Error(`event stream answered ${res.statusCode ?? "?"}`));
				let text = "";
				const waiters: (() => void)[] = [];
				res.setEncoding("utf8");
				res.on("data", (c: string) => {
					text += c;
					for (const w of waiters.splice(0)) w();
				});
				resolve({
					read: (until) =>
						waitFor(() => (until.test(text) ? text : undefined), { timeoutMs: 5_000, intervalMs: 20, message: () => `${String(until)} on the stream through nginx; got: ${text}` })
				});
			});
			req.on("error", (err) => {
				if (!abort.signal.aborted) reject(err);
			});
		});
		try {
			// Both are a few bytes: buffered, neither would arrive before the proxy's buffer filled.
			await events.read(/: connected\n\n/);
			await broker.broadcast("alert.fired", { alert: { id: "a1", rule: "node_down", subject: "n1" }, evaluator: broker.nodeID });
			const text = await events.read(/event: alert\.fired\ndata: .*"id":"a1"/);
			expect(text).toContain('"subject":"n1"');
		} finally {
			abort.abort();
		}
	});

	it("redirects plain http to https", async () => {
		const res = await fetch(`http://127.0.0.1:${plainPort}/api/v1/bills`, { redirect: "manual", signal: AbortSignal.timeout(5_000) });
		expect(res.status).toBe(301);
		expect(res.headers.get("location")).toMatch(/^https:\/\/127\.0\.0\.1\/api\/v1\/bills$/);
	});
});
