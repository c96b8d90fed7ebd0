/**
 * Issue 9, "the ETL reaches where it must not", against real local HTTP servers (127.0.0.1; the
 * tests opt in to that network explicitly, as an operator would with ETL_ALLOW_PRIVATE_NETWORKS):
 * a redirect to another host or port, a next_url or an item url on a foreign origin, a DNS name
 * resolving to loopback and a literal private address are all refused, each before any request
 * reaches the other server, and no error carries what a response body held.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openparliamentConnector } from "../connectors/openparliament.ts";
import type { DataQualityIssue } from "../records/data-quality.ts";
import { addressPolicy, embeddedIpv4, parsePrivateNetworkAllowlist } from "../../../runtime/net/address-policy.ts";
import { Fetcher, HttpError, isUnderPrefix } from "./fetcher.ts";
import { LOCAL_TEST_NETWORKS, type LocalTestServer, sendJson, startLocalServer } from "../../../test/kits/local-test-server.ts";

const SECRET = "internal-secret-7f3a";
const fast = { minIntervalMs: 0, backoffBaseMs: 5, backoffMaxMs: 20, timeoutMs: 2_000, maxTries: 3 };
const local = { ...fast, allowPrivateNetworks: LOCAL_TEST_NETWORKS };

const servers: LocalTestServer[] = [];
afterEach(async () => {
	for (const s of servers.splice(0)) await s.close();
});

/** The server a run must not reach: it answers with a secret, and counts who asked. */
async function internal(): Promise<LocalTestServer> {
	const server = await startLocalServer((_req, res) => sendJson(res, 200, { objects: [{ secret: SECRET }], pagination: { next_url: null }, token: SECRET }));
	servers.push(server);
	return server;
}

async function serve(handler: Parameters<typeof startLocalServer>[0]): Promise<LocalTestServer> {
	const server = await startLocalServer(handler);
	servers.push(server);
	return server;
}

async function failure(promise: Promise<unknown>): Promise<HttpError> {
	try {
		await promise;
	} catch (err) {
		if (err instanceof HttpError) return err;
		throw err;
	}
	throw new Error("expected the fetch to fail");
}

describe("which addresses the ETL may connect to", () => {
	it("refuses loopback, private, link-local and reserved addresses, IPv4 and IPv6, mapped ones too", () => {
		const policy = addressPolicy();
		for (const ip of ["8.8.8.8", "142.250.72.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) expect(policy.permits(ip), ip).toBe(true);
		for (const ip of [
			"127.0.0.1",
			"127.10.0.1",
			"10.1.2.3",
			"172.16.0.1",
			"172.31.255.255",
			"192.168.1.1",
			"169.254.169.254",
			"100.64.0.1",
			"0.0.0.0",
			"224.0.0.1",
			"255.255.255.255",
			"::",
			"::1",
			"fe80::1",
			"fc00::1",
			"fd12:3456::1",
			"ff02::1",
			"::ffff:127.0.0.1",
			"::ffff:7f00:1",
			"::ffff:169.254.169.254",
			"64:ff9b::a9fe:a9fe",
			"2002:7f00:1::1",
			"not an address"
		]) {
			expect(policy.permits(ip), ip).toBe(false);
		}
		expect(embeddedIpv4("::ffff:a9fe:a9fe")).toBe("169.254.169.254");
	});

	it("lets an operator allow named networks, and refuses a typo at once", () => {
		const policy = addressPolicy(parsePrivateNetworkAllowlist("10.0.0.0/8, 127.0.0.1"));
		expect(policy.permits("10.4.5.6")).toBe(true);
		expect(policy.permits("::ffff:10.4.5.6")).toBe(true);
		expect(policy.permits("127.0.0.1")).toBe(true);
		expect(policy.permits("127.0.0.2")).toBe(false);
		expect(policy.permits("192.168.0.1")).toBe(false);
		expect(() => parsePrivateNetworkAllowlist("10.0.0.0/33")).toThrow(/ETL_ALLOW_PRIVATE_NETWORKS/);
		expect(() => parsePrivateNetworkAllowlist("intranet")).toThrow(/ETL_ALLOW_PRIVATE_NETWORKS/);
		expect(parsePrivateNetworkAllowlist(undefined)).toEqual([]);
	});

	it("keeps a URL under a prefix by origin and path, after the URL parser's normalisation", () => {
		const prefix = "https://raw.githubusercontent.com/opencivicdata/ocd-division-ids/master/identifiers/country-ca/";
		expect(isUnderPrefix(new URL(`${prefix}ca_provinces_and_territories.csv`), prefix)).toBe(true);
		expect(isUnderPrefix(new URL("https://raw.githubusercontent.com/someone/else/master/x.csv"), prefix)).toBe(false);
		expect(isUnderPrefix(new URL(`${prefix}../../../../../someone/else/x.csv`), prefix)).toBe(false);
		expect(isUnderPrefix(new URL(`${prefix}%2e%2e/%2e%2e/x.csv`), prefix)).toBe(false);
		expect(isUnderPrefix(new URL(`${prefix}..%2F..%2Fx.csv`), prefix)).toBe(false);
		expect(isUnderPrefix(new URL("https://raw.githubusercontent.com.evil.example/opencivicdata/ocd-division-ids/master/identifiers/country-ca/x.csv"), prefix)).toBe(false);
	});
});

describe("the fetcher stays where the run is", () => {
	it("follows a redirect on its own origin, refuses one to another port or host before it is sent", async () => {
		const other = await internal();
		const source = await serve((_req, res, path) => {
			if (path === "/moved") res.writeHead(301, { location: "/final" }).end();
			else if (path === "/final") sendJson(res, 200, { ok: true });
			else if (path === "/away") res.writeHead(302, { location: `${other.url}latest/meta-data/` }).end();
			else if (path === "/away-by-name") res.writeHead(307, { location: other.url.replace("127.0.0.1", "localhost") }).end();
			else res.writeHead(404).end();
		});
		const fetcher = new Fetcher({ ...local, baseUrl: source.url });
		const moved = await fetcher.getJson("/moved");
		expect(moved).toMatchObject({ url: `${source.url}final`, body: { ok: true } });

		for (const path of ["/away", "/away-by-name"]) {
			const err = await failure(fetcher.getJson(path));
			expect(err.message).toMatch(/redirected to .* not allowed/);
			expect(err.message).not.toContain(SECRET);
		}
		expect(other.requests).toHaveLength(0);
		// Refusals are final: not retried.
		expect(fetcher.progress.retries).toBe(0);
		await fetcher.close();
	});

	it("refuses a name that resolves to loopback, and a literal loopback address, unless allowed", async () => {
		const target = await internal();
		const port = new URL(target.url).port;
		const byName = new Fetcher({ ...fast, baseUrl: `http://localhost:${port}/` });
		const named = await failure(byName.getJson("/"));
		expect(named.message).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a non-public address/);
		expect(byName.progress.retries).toBe(0);
		await byName.close();

		const literal = new Fetcher({ ...fast, baseUrl: target.url });
		expect((await failure(literal.getJson("/"))).message).toMatch(/127\.0\.0\.1 is a non-public address/);
		const mapped = new Fetcher({ ...fast, baseUrl: `http://[::ffff:127.0.0.1]:${port}/` });
		expect((await failure(mapped.getJson("/"))).message).toMatch(/non-public address/);
		expect(target.requests).toHaveLength(0);

		// Opting in is explicit, and then it works.
		const allowed = new Fetcher({ ...local, baseUrl: target.url });
		expect((await allowed.getJson("/")).body).toMatchObject({ token: SECRET });
		await allowed.close();
		expect(target.requests).toHaveLength(1);
	});

	it("stops pagination at a next_url on a foreign origin, with an issue and nothing fetched there", async () => {
		const other = await internal();
		const source = await serve((_req, res) => sendJson(res, 200, { objects: [{ n: 1 }], pagination: { next_url: `${other.url}?offset=1`, previous_url: null } }));
		const fetcher = new Fetcher({ ...local, baseUrl: source.url });
		const issues: DataQualityIssue[] = [];
		const pages: unknown[] = [];
		for await (const page of fetcher.pages("/", "openparliament", (i) => issues.push(i))) pages.push(page.body);
		expect(pages).toHaveLength(1);
		expect(issues).toEqual([expect.objectContaining({ reason: expect.stringMatching(/^next_url .* is not the run's origin .*; pagination stopped$/) })]);
		expect(other.requests).toHaveLength(0);
		await fetcher.close();
	});

	it("does not fetch an item's detail url on a foreign origin: the list item is kept with an issue", async () => {
		const other = await internal();
		const source = await serve((_req, res, path) => {
			if (path.startsWith("/bills/")) {
				sendJson(res, 200, { objects: [{ url: `${other.url}bills/44-1/C-1/`, session: "44-1", number: "C-1" }], pagination: { next_url: null, previous_url: null } });
			} else res.writeHead(404).end();
		});
		const issues: DataQualityIssue[] = [];
		const docs = [];
		const connector = openparliamentConnector({ resources: ["bills"] });
		for await (const doc of connector.extract({ url: source.url, http: local, onIssue: (i) => issues.push(i) })) docs.push(doc);
		expect(docs).toHaveLength(1);
		expect(issues.map((i) => i.reason)).toEqual([expect.stringMatching(/^detail page not fetched, list item kept: .* is not the run's origin/)]);
		expect(other.requests).toHaveLength(0);
	});

	it("never puts a response body in an error: status and a short reason only", async () => {
		const source = await serve((_req, res, path) => {
			if (path === "/denied") res.writeHead(403, { "content-type": "text/plain" }).end(`token=${SECRET}`);
			else res.writeHead(200, { "content-type": "text/html" }).end(`<html>${SECRET}</html>`);
		});
		const fetcher = new Fetcher({ ...local, baseUrl: source.url });
		const denied = await failure(fetcher.getJson("/denied"));
		expect(denied.status).toBe(403);
		expect(denied.message).toMatch(/answered 403/);
		const notJson = await failure(fetcher.getJson("/page"));
		expect(notJson.message).toMatch(/did not return JSON \(\d+ bytes\)$/);
		for (const err of [denied, notJson]) expect(err.message).not.toContain(SECRET);

		const issues: DataQualityIssue[] = [];
		const notPage = await serve((_req, res) => sendJson(res, 200, { token: SECRET }));
		const pager = new Fetcher({ ...local, baseUrl: notPage.url });
		for await (const page of pager.pages("/", "openparliament", (i) => issues.push(i))) expect(page).toBeUndefined();
		expect(JSON.stringify(issues)).not.toContain(SECRET);
		await Promise.all([fetcher.close(), pager.close()]);
	});
});
