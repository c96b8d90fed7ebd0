/**
 * One node with the gateway, the auth service (PGlite in memory) and a `probe` service whose
 * actions declare permissions, sharing one movable clock, for tests that go through real HTTP.
 */
import { randomUUID } from "node:crypto";
import type { Context, ServiceBroker, ServiceSchema } from "moleculer";
import { type GatewayNode, makeBroker, randomNamespace, request, type JsonResponse } from "./gateway-test-kit.ts";
import { type GatewayOptions, GatewayService } from "../../gateway/gateway.service.ts";
import { edgeServerOf } from "../../gateway/edge-server.ts";
import { type Env, loadEnv } from "../../runtime/env.ts";
import type { DatabaseConfig } from "../../runtime/storage/database.ts";
import { openDocumentStore } from "../../runtime/storage/open-document-store.ts";
import type { AuditEvent } from "../../runtime/storage/document-store.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { AuthService } from "../../services/auth/auth.service.ts";
import { issueAccessToken } from "../../services/auth/core/issue-access-token.ts";
import { JWT_SETTINGS, keyringFromEnv } from "../../access/keyring-from-env.ts";
import type { Role } from "../../access/roles.ts";

export const ADMIN_EMAIL = "root@openpolicy.test";
export const ADMIN_PASSWORD = "correct horse battery staple 42";
export const PGLITE_MEMORY: DatabaseConfig = { kind: "pglite", dataDir: undefined };

/** Declares one permission per action, and shows a nested call carrying the caller's principal. */
export const probeService: ServiceSchema = {
	name: "probe",
	settings: { rest: "/probe" },
	actions: {
		read: { visibility: "published", rest: "GET /read", permissions: ["etl:read"], handler: () => ({ read: true }) },
		run: { visibility: "published", rest: "POST /run", permissions: ["etl:run"], handler: () => ({ ran: true }) },
		relay: {
			visibility: "published",
			rest: "GET /relay",
			permissions: ["public"],
			handler: (ctx: Context) => ctx.call("probe.secret")
		},
		secret: { visibility: "public", permissions: ["users:manage"], handler: () => ({ secret: true }) }
	}
};

export class TestClock {
	ms = Date.now();
	readonly now = (): number => this.ms;
	advance(ms: number): void {
		this.ms += ms;
	}
}

export interface AuthNode extends GatewayNode {
	env: Env;
	clock: TestClock;
	post(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonResponse>;
	get(path: string, headers?: Record<string, string>): Promise<JsonResponse>;
	audit(action: string): Promise<AuditEvent[]>;
	/** `Authorization` header for an access token minted on the node's keyring and clock. */
	bearerFor(role: Role, userId: string): Record<string, string>;
}

/**
 * `database` defaults to PGlite in memory; a PostgreSQL config runs the same node on the real server.
 * `gateway` passes event-stream settings (a short keep-alive) to the gateway.
 */
export async function startAuthNode(
	vars: Record<string, string> = {},
	extra: ServiceSchema[] = [probeService],
	database: DatabaseConfig = PGLITE_MEMORY,
	gateway: Pick<GatewayOptions, "sse"> = {}
): Promise<AuthNode> {
	const namespace = randomNamespace();
	const env = loadEnv({ NODE_ENV: "test", NAMESPACE: namespace, ADMIN_EMAIL, ADMIN_PASSWORD, RATE_LIMIT_LOGIN: "10000", ...vars });
	const clock = new TestClock();
	const broker: ServiceBroker = makeBroker({ namespace, nodeID: `auth-test-${randomUUID().slice(0, 6)}` });
	broker.createService(GatewayService({ port: 0, ip: "127.0.0.1", env, now: clock.now, ...gateway }));
	broker.createService(AuthService({ env, database, now: clock.now }));
	for (const schema of extra) broker.createService(schema);
	await broker.start();
	const edge = edgeServerOf(broker);
	const baseUrl = `http://127.0.0.1:${edge?.port ?? 0}`;
	const documents = await openDocumentStore({ mongoUrl: undefined, database, nodeID: "auth-test" });
	broker.localBus.once("$broker.stopped", () => void documents.close());
	const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> =>
		request(`${baseUrl}${path}`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
	const get = (path: string, headers: Record<string, string> = {}): Promise<JsonResponse> => request(`${baseUrl}${path}`, { headers });
	// The first admin is created in the background once migrations ran.
	await waitFor(async () => (await documents.findAudit({ action: "user.bootstrap-admin" })).length > 0, { message: "the first admin to be created" });
	const keyring = keyringFromEnv(env);
	const bearerFor = (role: Role, userId: string): Record<string, string> => ({
		authorization: `Bearer ${issueAccessToken(keyring, JWT_SETTINGS, { sub: userId, role }, clock.now).token}`
	});
	return { broker, baseUrl, env, clock, post, get, audit: (action) => documents.findAudit({ action }), bearerFor };
}
