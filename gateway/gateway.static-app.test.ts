/**
 * The SPAs at the edge (static-app.ts) over real HTTP: files with the right caching, index.html for
 * every app route, JSON 404s kept for the API, the mobile API and missing assets, and a clear 503
 * while an app is not built.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, request, startGatewayNode } from "../test/kits/gateway-test-kit.ts";
import { CONTENT_SECURITY_POLICY } from "./security-headers.ts";
import { IMMUTABLE, REVALIDATE } from "./static-app.ts";

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script></head><body><div id="root"></div></body></html>';

let broker: ServiceBroker;
let baseUrl: string;
let root: string;

beforeAll(async () => {
	root = mkdtempSync(path.join(tmpdir(), "static-app-"));
	const web = path.join(root, "web");
	mkdirSync(path.join(web, "assets"), { recursive: true });
	mkdirSync(path.join(web, ".vite"), { recursive: true });
	writeFileSync(path.join(web, "index.html"), INDEX);
	writeFileSync(path.join(web, "assets/app-1a2b3c.js"), "console.log('app');");
	writeFileSync(path.join(web, "robots.txt"), "User-agent: *\n");
	writeFileSync(path.join(web, ".vite/manifest.json"), "{}");
	({ broker, baseUrl } = await startGatewayNode([], {}, {
		apps: [
			{ prefix: "/", dir: web, buildHint: "npm run build" },
			{ prefix: "/admin", dir: path.join(root, "admin-not-built"), buildHint: "npm run build" }
		]
	}));
});

afterAll(async () => {
	await broker?.stop();
	rmSync(root, { recursive: true, force: true });
});

describe("the web app at /", () => {
	it("answers / with index.html, revalidated on every use, under the CSP", async () => {
		const res = await request(`${baseUrl}/`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^text\/html/);
		expect(res.headers.get("cache-control")).toBe(REVALIDATE);
		expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
		expect(res.text).toBe(INDEX);
	});

	it("answers every app route, deep links included, with index.html", async () => {
		for (const route of ["/bills/44-1/C-10", "/politicians/anais-levesque", "/search?q=water", "/account", "/bills/"]) {
			const res = await request(`${baseUrl}${route}`);
			expect(res.status, route).toBe(200);
			expect(res.text, route).toBe(INDEX);
			expect(res.headers.get("cache-control"), route).toBe(REVALIDATE);
		}
	});

	it("serves hashed assets as immutable for a year, and answers a revalidation with 304", async () => {
		const res = await request(`${baseUrl}/assets/app-1a2b3c.js`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/javascript/);
		expect(res.headers.get("cache-control")).toBe(IMMUTABLE);
		const etag = res.headers.get("etag");
		expect(etag).toBeTruthy();
		const again = await request(`${baseUrl}/assets/app-1a2b3c.js`, {
			// fetch adds `Cache-Control: no-cache` to a request with its own If-None-Match unless one is given,
			// and no-cache asks the server for the full answer; a browser's revalidation sends max-age=0.
			headers: { "If-None-Match": etag ?? "", "Cache-Control": "max-age=0" }
		});
		expect(again.status).toBe(304);
	});

	it("answers HEAD like GET without a body", async () => {
		const res = await request(`${baseUrl}/bills`, { method: "HEAD" });
		expect(res.status).toBe(200);
		expect(res.text).toBe("");
	});

	it("keeps non-hashed files revalidated and build tooling out of reach", async () => {
		const robots = await request(`${baseUrl}/robots.txt`);
		expect(robots.status).toBe(200);
		expect(robots.headers.get("cache-control")).toBe(REVALIDATE);
		const manifest = await request(`${baseUrl}/.vite/manifest.json`);
		expect(manifest.status).toBe(404);
		expect(errorOf(manifest).type).toBe("NOT_FOUND");
	});

	it("answers a missing asset with the JSON 404, not with the app", async () => {
		const res = await request(`${baseUrl}/assets/gone-999.js`);
		expect(res.status).toBe(404);
		expect(errorOf(res).type).toBe("NOT_FOUND");
	});

	it("never answers the API, the mobile API or the probes with the app", async () => {
		for (const route of ["/api/v1/nothing-here", "/api/v2/bills", "/mobile/v1/nothing-here", "/api"]) {
			const res = await request(`${baseUrl}${route}`);
			expect(res.status, route).toBe(404);
			expect(errorOf(res).type, route).toBe("NOT_FOUND");
		}
		expect((await request(`${baseUrl}/healthz`)).body).toEqual({ status: "ok" });
	});

	it("does not answer other methods on app routes with the app", async () => {
		const res = await request(`${baseUrl}/bills`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
		expect(res.status).toBe(404);
		expect(errorOf(res).type).toBe("NOT_FOUND");
	});
});

describe("an app that is not built", () => {
	it("answers 503 with the command that builds it", async () => {
		const res = await request(`${baseUrl}/admin/users`);
		expect(res.status).toBe(503);
		const error = errorOf(res);
		expect(error.type).toBe("APP_NOT_BUILT");
		expect(error.message).toContain("npm run build");
		expect(res.headers.get("cache-control")).toBe("no-store");
	});
});
