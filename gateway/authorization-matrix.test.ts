/**
 * The authorization matrix, generated from the live registry: every route the gateway serves (all
 * eleven services behind it, as `npm start` runs them) × anonymous, each role and each API-key
 * scope → the status the declared permissions call for: 401 for anonymous and 403 for others when
 * refused; anything but 401/403 when allowed. Nothing here lists the routes, so a new route is in
 * the matrix the day it is published, and one published without `permissions` fails it.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishedDeclarationProblems } from "../middlewares/permissions.middleware.ts";
import { type Env, loadEnv } from "../runtime/env.ts";
import { SERVICE_NAMES, loadServiceSchemas } from "../platform/service-catalog.ts";
import { issueAccessToken } from "../test/helpers/auth.ts";
import { JWT_SETTINGS, keyringFromEnv } from "../access/keyring-from-env.ts";
import { API_KEY_SCOPES, type Principal, ROLES, isAllowed } from "../access/roles.ts";
import { waitFor } from "../test/helpers/wait-for.ts";
import { type GatewayNode, request, startGatewayNode } from "../test/kits/gateway-test-kit.ts";
import { EVENTS_PATH, INBOX_STREAM_PATH, NON_ACTION_PERMISSIONS } from "./gateway.service.ts";

interface Caller {
	name: string;
	principal: Principal;
	headers: Record<string, string>;
}

interface Route {
	method: string;
	path: string;
	action: string;
	permissions: readonly string[] | undefined;
}

/** Everything is allowed many times over: the matrix is about permissions, not limits. */
const UNLIMITED = { RATE_LIMIT_PER_IP: "1000000", RATE_LIMIT_PER_USER: "1000000", RATE_LIMIT_LOGIN: "1000000" };

function callersFor(env: Env, keys: Map<string, { id: string; key: string }>): Caller[] {
	const keyring = keyringFromEnv(env);
	const callers: Caller[] = [{ name: "anonymous", principal: { kind: "anonymous" }, headers: {} }];
	for (const role of ROLES) {
		const userId = randomUUID();
		const token = issueAccessToken(keyring, JWT_SETTINGS, { sub: userId, role }).token;
		callers.push({ name: role, principal: { kind: "user", userId, role }, headers: { authorization: `Bearer ${token}` } });
	}
	for (const [scope, { id, key }] of keys) {
		callers.push({ name: `key ${scope}`, principal: { kind: "api-key", keyId: id, scopes: [scope] }, headers: { "x-api-key": key } });
	}
	return callers;
}

/** The routes moleculer-web built from the registry, with each action's declaration from the registry. */
function liveRoutes(broker: ServiceBroker): Route[] {
	const gateway = broker.getLocalService("gateway") as unknown as { aliases: { method: string; fullPath: string; action?: string | null }[] };
	const declared = new Map(
		broker.registry
			.getActionList({ onlyAvailable: false, skipInternal: true, withEndpoints: false })
			.map((item) => [item.name, (item.action as { permissions?: readonly string[] } | undefined)?.permissions] as const)
	);
	return gateway.aliases
		.filter((alias) => typeof alias.action === "string")
		.map((alias) => ({
			method: alias.method === "*" ? "GET" : alias.method,
			path: alias.fullPath.replace(/:[A-Za-z]+/g, randomUUID()),
			action: alias.action as string,
			permissions: declared.get(alias.action as string)
		}));
}

function expectedStatus(caller: Caller, permissions: readonly string[] | undefined): "allowed" | 401 | 403 | 404 {
	if (permissions === undefined) return 404;
	if (isAllowed(caller.principal, permissions)) return "allowed";
	return caller.principal.kind === "anonymous" ? 401 : 403;
}

async function statusOf(baseUrl: string, method: string, path: string, headers: Record<string, string>): Promise<number> {
	if (path === EVENTS_PATH || path === INBOX_STREAM_PATH) {
		// A granted stream stays open: its status is all the matrix needs.
		const res = await fetch(`${baseUrl}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
		await res.body?.cancel();
		return res.status;
	}
	const hasBody = method !== "GET" && method !== "HEAD" && method !== "DELETE";
	const res = await request(`${baseUrl}${path}`, { method, headers: { ...headers, ...(hasBody ? { "content-type": "application/json" } : {}) }, ...(hasBody ? { body: "{}" } : {}) });
	return res.status;
}

describe("authorization matrix of the platform", () => {
	let node: GatewayNode;
	let env: Env;
	const keys = new Map<string, { id: string; key: string }>();

	beforeAll(async () => {
		// No scraper addresses: /metrics is judged by credentials alone here (gateway.metrics.test.ts covers the allow-list).
		env = loadEnv({ NODE_ENV: "test", METRICS_ALLOW: "", ...UNLIMITED });
		const schemas = await loadServiceSchemas(SERVICE_NAMES.filter((name) => name !== "gateway"));
		node = await startGatewayNode(schemas, {}, { env });
		// One key per grantable scope, made by the platform itself (no principal) once auth's tables exist.
		for (const scope of API_KEY_SCOPES) {
			const created = await waitFor(() => node.broker.call("auth.createApiKey", { name: `matrix ${scope}`, scopes: [scope] }) as Promise<{ id: string; key: string }>, {
				message: `an API key with ${scope}`,
				timeoutMs: 30_000
			});
			keys.set(scope, created);
		}
	});
	afterAll(async () => {
		await node?.broker.stop();
	});

	it("has a declaration on every published action", () => {
		expect(publishedDeclarationProblems(node.broker)).toEqual([]);
	});

	it("routes every published action that declares a rest path", () => {
		const routed = new Set(liveRoutes(node.broker).map((r) => r.action));
		const published = node.broker.registry
			.getActionList({ onlyAvailable: false, skipInternal: true, withEndpoints: false })
			.filter((item) => {
				const action = item.action as { visibility?: string; rest?: unknown } | undefined;
				return action?.visibility === "published" && action.rest !== undefined && !item.name.startsWith("mobile.");
			})
			.map((item) => item.name);
		expect(published.length).toBeGreaterThan(10);
		expect(published.filter((name) => !routed.has(name))).toEqual([]);
	});

	it("answers every route for every caller as the declarations say", async () => {
		const routes: Route[] = [
			...liveRoutes(node.broker),
			...Object.entries(NON_ACTION_PERMISSIONS).map(([path, permissions]) => ({ method: "GET", path, action: path, permissions }))
		];
		const mismatches: string[] = [];
		let checked = 0;
		for (const route of routes) {
			for (const caller of callersFor(env, keys)) {
				const expected = expectedStatus(caller, route.permissions);
				const status = await statusOf(node.baseUrl, route.method, route.path, caller.headers);
				const ok = expected === "allowed" ? status !== 401 && status !== 403 : status === expected;
				if (!ok) mismatches.push(`${route.method} ${route.path} (${route.action}) as ${caller.name}: expected ${expected}, got ${status}`);
				checked++;
			}
		}
		expect(mismatches).toEqual([]);
		expect(checked).toBeGreaterThan(100);
	});
});

describe("a published action without a declaration", () => {
	const undeclared: ServiceSchema = {
		name: "careless",
		settings: { rest: "/careless" },
		actions: {
			oops: { visibility: "published", rest: "GET /oops", handler: () => ({ reached: true }) }
		}
	};
	let node: GatewayNode;
	beforeAll(async () => {
		node = await startGatewayNode([undeclared], {}, { env: loadEnv({ NODE_ENV: "test" }) });
	});
	afterAll(async () => {
		await node?.broker.stop();
	});

	it("is reported, and is no route for anyone, admin included", async () => {
		expect(publishedDeclarationProblems(node.broker)).toEqual([{ action: "careless.oops", problems: ["declares no permissions"] }]);
		const admin = issueAccessToken(keyringFromEnv(loadEnv({ NODE_ENV: "test" })), JWT_SETTINGS, { sub: randomUUID(), role: "admin" }).token;
		for (const headers of [{}, { authorization: `Bearer ${admin}` }]) {
			const res = await request(`${node.baseUrl}/api/v1/careless/oops`, { headers });
			expect(res.status).toBe(404);
			expect(res.text).not.toContain("reached");
		}
		// The platform's own calls are not from the gateway and carry no principal.
		await expect(node.broker.call("careless.oops")).resolves.toEqual({ reached: true });
	});
});
