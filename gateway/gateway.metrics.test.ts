/**
 * Who may read /metrics: the scraper addresses of METRICS_ALLOW (loopback by default) without
 * credentials, operators and monitoring:read keys from anywhere, nobody else (401 or 403 JSON).
 * Tests reach the gateway from 127.0.0.1, so "anywhere else" is an allow-list without loopback.
 */
import type { ServiceBroker } from "moleculer";
import { afterEach, describe, expect, it } from "vitest";
import { loadEnv } from "../runtime/env.ts";
import { accessToken, bearer, operatorToken } from "../test/helpers/auth.ts";
import { errorOf, request, startGatewayNode } from "../test/kits/gateway-test-kit.ts";
import { ScraperAllowlistError, scraperAllowlist } from "./scraper-allowlist.ts";

const brokers: ServiceBroker[] = [];
afterEach(async () => {
	await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

async function gatewayWith(allow: string): Promise<string> {
	const node = await startGatewayNode([], {}, { env: loadEnv({ NODE_ENV: "test", METRICS_ALLOW: allow }) });
	brokers.push(node.broker);
	return node.baseUrl;
}

describe("/metrics access", () => {
	it("is open to loopback scrapers by default", async () => {
		const base = await gatewayWith("127.0.0.1,::1");
		const res = await request(`${base}/metrics`);
		expect(res.status).toBe(200);
		expect(res.text).toContain("# TYPE moleculer_request_total counter");
	});

	it("is closed to an address outside the list unless an operator asks", async () => {
		const base = await gatewayWith("10.0.0.0/8");
		const anonymous = await request(`${base}/metrics`);
		expect(anonymous.status).toBe(401);
		expect(errorOf(anonymous).type).toBe("UNAUTHORIZED");
		const citizen = await request(`${base}/metrics`, { headers: bearer(accessToken("citizen")) });
		expect(citizen.status).toBe(403);
		expect(errorOf(citizen).type).toBe("FORBIDDEN");
		expect((await request(`${base}/metrics`, { headers: bearer(operatorToken()) })).status).toBe(200);
		// A refused token counts as an authentication failure.
		expect((await request(`${base}/metrics`, { headers: bearer("forged") })).status).toBe(401);
		const text = (await request(`${base}/metrics`, { headers: bearer(operatorToken()) })).text;
		expect(text).toMatch(/^platform_auth_failures_total\{[^}]*reason="token"\} [1-9]/m);
	});

	it("refuses a bad allow-list entry at start and matches IPv4-mapped addresses", () => {
		expect(() => scraperAllowlist(["10.0.0.0/33"])).toThrow(ScraperAllowlistError);
		expect(() => scraperAllowlist(["prometheus.local"])).toThrow(/not an IP address/);
		const list = scraperAllowlist(["127.0.0.1", "fd00::/8"]);
		expect(list.allows("::ffff:127.0.0.1")).toBe(true);
		expect(list.allows("fd12::1")).toBe(true);
		expect(list.allows("192.168.1.1")).toBe(false);
		expect(list.allows("unknown")).toBe(false);
	});
});
