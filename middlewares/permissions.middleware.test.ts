/**
 * The permissions middleware on real brokers: the principal in ctx.meta decides, nested calls carry
 * it to another node over NATS and are checked there, and faulty declarations are caught at start.
 */
import type { Context, ServiceBroker, ServiceSchema } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NATS_URL, makeBroker, randomNamespace } from "../test/kits/gateway-test-kit.ts";
import { PRINCIPAL_META, principalOf } from "../access/principal.ts";

const citizen = { [PRINCIPAL_META]: { kind: "user", userId: "u-1", role: "citizen" } };
const operator = { [PRINCIPAL_META]: { kind: "user", userId: "u-2", role: "operator" } };
const anonymous = { [PRINCIPAL_META]: { kind: "anonymous" } };

const vault: ServiceSchema = {
	name: "vault",
	actions: {
		health: { visibility: "published", permissions: ["health:read"], handler: () => "health" },
		open: { visibility: "published", permissions: ["public"], handler: (ctx: Context) => ctx.call("vault.internalChecked") },
		internalChecked: { visibility: "public", permissions: ["etl:run"], handler: () => "ran" },
		plumbing: { visibility: "public", handler: () => "plumbing" },
		undeclared: { visibility: "published", handler: () => "reached" },
		// No visibility: Moleculer and moleculer-web publish it, so it must be checked like one.
		noVisibility: { handler: () => "reached" },
		// Cached by its (empty) params: an operator's cached answer must not reach a citizen.
		cachedReport: { visibility: "published", permissions: ["health:read"], cache: true, handler: () => "report" }
	}
};

/** On another node: calls vault on behalf of whoever called it. */
const relay: ServiceSchema = {
	name: "relay",
	actions: {
		forward: { visibility: "published", permissions: ["public"], handler: (ctx: Context) => ctx.call("vault.health") }
	}
};

let vaultNode: ServiceBroker;
let relayNode: ServiceBroker;

beforeAll(async () => {
	const namespace = randomNamespace();
	vaultNode = makeBroker({ namespace, transporter: NATS_URL, nodeID: `vault-${namespace}` });
	relayNode = makeBroker({ namespace, transporter: NATS_URL, nodeID: `relay-${namespace}` });
	vaultNode.createService(vault);
	relayNode.createService(relay);
	await Promise.all([vaultNode.start(), relayNode.start()]);
	await relayNode.waitForServices(["vault"], 10_000);
});
afterAll(async () => {
	await Promise.all([relayNode?.stop(), vaultNode?.stop()]);
});

describe("PermissionsMiddleware", () => {
	it("lets the platform's own calls through and checks calls that carry a principal", async () => {
		await expect(vaultNode.call("vault.health")).resolves.toBe("health");
		await expect(vaultNode.call("vault.health", {}, { meta: operator })).resolves.toBe("health");
		await expect(vaultNode.call("vault.health", {}, { meta: citizen })).rejects.toMatchObject({ code: 403, type: "FORBIDDEN" });
		await expect(vaultNode.call("vault.health", {}, { meta: anonymous })).rejects.toMatchObject({ code: 401, type: "UNAUTHORIZED" });
	});

	it("treats an action without visibility as published", async () => {
		await expect(vaultNode.call("vault.noVisibility")).resolves.toBe("reached");
		await expect(vaultNode.call("vault.noVisibility", {}, { meta: operator })).rejects.toMatchObject({ code: 404 });
		// Moleculer's own $node actions declare no visibility either, and stay the broker's plumbing.
		await expect(vaultNode.call("$node.health", {}, { meta: citizen })).resolves.toMatchObject({ cpu: expect.any(Object) });
	});

	it("checks permissions before the cache answers", async () => {
		await expect(vaultNode.call("vault.cachedReport", {}, { meta: operator })).resolves.toBe("report");
		await expect(vaultNode.call("vault.cachedReport", {}, { meta: citizen })).rejects.toMatchObject({ code: 403 });
		await expect(vaultNode.call("vault.cachedReport", {}, { meta: anonymous })).rejects.toMatchObject({ code: 401 });
	});

	it("checks nested calls, on another node too, against the original caller", async () => {
		await expect(vaultNode.call("vault.open", {}, { meta: citizen })).rejects.toMatchObject({ code: 403 });
		await expect(relayNode.call("relay.forward", {}, { meta: citizen })).rejects.toMatchObject({ code: 403, type: "FORBIDDEN" });
		await expect(relayNode.call("relay.forward", {}, { meta: operator })).resolves.toBe("health");
	});

	it("hides a published action without a declaration from principals, and leaves internal plumbing alone", async () => {
		await expect(vaultNode.call("vault.undeclared", {}, { meta: operator })).rejects.toMatchObject({ code: 404 });
		await expect(vaultNode.call("vault.undeclared")).resolves.toBe("reached");
		await expect(vaultNode.call("vault.plumbing", {}, { meta: citizen })).resolves.toBe("plumbing");
	});

	it("reads a malformed principal as anonymous, never as the platform", () => {
		expect(principalOf({ [PRINCIPAL_META]: { kind: "user", userId: "x", role: "superuser" } })).toEqual({ kind: "anonymous" });
		expect(principalOf({ [PRINCIPAL_META]: "admin" })).toEqual({ kind: "anonymous" });
		expect(principalOf({})).toBeUndefined();
	});

	it("refuses to start a service that declares an unknown permission", async () => {
		const broker = makeBroker();
		broker.createService({ name: "typo", actions: { go: { visibility: "published", permissions: ["etl:runn"], handler: () => "x" } } });
		await expect(broker.start()).rejects.toThrow(/unknown permission "etl:runn"/);
		await broker.stop().catch(() => undefined);
	});
});
