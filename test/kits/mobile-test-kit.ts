/**
 * What the mobile tests share: one node with the gateway (HTTP on port 0), the ETL, the web service
 * (detail on demand calls it) and the mobile service on one database, loaded through the ETL's own
 * connectors as the web tests load it; a mobile client that follows the changes feed; bearer tokens
 * minted on the gateway's own keyring (it verifies them locally, without the auth service).
 */
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { type JsonResponse, request, startGatewayNode } from "../../test/kits/gateway-test-kit.ts";
import { loadEnv } from "../../runtime/env.ts";
import type { DatabaseConfig } from "../../runtime/storage/database.ts";
import { issueAccessToken } from "../../test/helpers/auth.ts";
import { JWT_SETTINGS, keyringFromEnv } from "../../access/keyring-from-env.ts";
import type { Role } from "../../access/roles.ts";
import { EtlService } from "../../services/etl/etl.service.ts";
import type { Run } from "../../services/etl/pipeline/runs.ts";
import { WebService } from "../../services/web/web.service.ts";
import { CRAFTED_PARLIAMENT, OCD_FIXTURES } from "../../test/kits/web-test-kit.ts";
import { MobileService } from "../../services/mobile/mobile.service.ts";
import type { Change } from "../../services/mobile/v1/changes.ts";

export interface MobileNode {
	broker: ServiceBroker;
	get(path: string, headers?: Record<string, string>): Promise<JsonResponse>;
	send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<JsonResponse>;
	load(source: "ocd" | "openparliament", file: string): Promise<Run>;
	bearerFor(role: Role, userId: string): Record<string, string>;
}

export async function startMobileNode(database: DatabaseConfig, extra: ServiceSchema[] = []): Promise<MobileNode> {
	const { broker, baseUrl } = await startGatewayNode([EtlService({ database, settings: { schedules: [] } }), WebService({ database }), MobileService({ database }), ...extra]);
	const keyring = keyringFromEnv(loadEnv());
	return {
		broker,
		get: (path, headers = {}) => request(`${baseUrl}${path}`, { headers }),
		send: (method, path, body, headers = {}) =>
			request(`${baseUrl}${path}`, { method, headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
		load: (source, file) => broker.call<Run, Record<string, unknown>>("etl.run", { source, file, wait: true }, { timeout: 60_000 }),
		bearerFor: (role, userId) => ({ authorization: `Bearer ${issueAccessToken(keyring, JWT_SETTINGS, { sub: userId, role }, Date.now).token}` })
	};
}

export async function loadFixtures(node: MobileNode): Promise<void> {
	for (const [source, file] of [["ocd", OCD_FIXTURES], ["openparliament", CRAFTED_PARLIAMENT]] as const) {
		const run = await node.load(source, file);
		if (run.status !== "succeeded") throw new Error(`The ${source} fixture run ${run.status}: ${run.error ?? ""}`);
	}
}

export function ok<T>(res: JsonResponse): T {
	if (res.status !== 200) throw new Error(`Expected 200, got ${res.status}: ${res.text.slice(0, 300)}`);
	return res.body as T;
}

/** A phone's offline store: what it holds after replaying the feed. */
export class SyncClient {
	readonly items = new Map<string, unknown>();
	cursor: string | undefined;
	pages = 0;

	readonly #node: MobileNode;
	readonly #limit: number;

	constructor(node: MobileNode, limit: number) {
		this.#node = node;
		this.#limit = limit;
	}

	apply(changes: Change[]): void {
		for (const c of changes) {
			if (c.op === "upsert") this.items.set(`${c.kind}:${c.id}`, c.data);
			else this.items.delete(`${c.kind}:${c.id}`);
		}
	}

	/** Follows the feed until `more` is false (bounded: a feed that never ends fails the test). */
	async catchUp(maxPages = 1_000): Promise<void> {
		for (let i = 0; i < maxPages; i++) {
			const query = new URLSearchParams({ limit: String(this.#limit), ...(this.cursor ? { since: this.cursor } : {}) });
			const page = ok<{ changes: Change[]; cursor: string; more: boolean }>(await this.#node.get(`/mobile/v1/changes?${query}`));
			this.apply(page.changes);
			this.cursor = page.cursor;
			this.pages++;
			if (!page.more) return;
		}
		throw new Error(`The feed did not end within ${maxPages} pages`);
	}
}

/** Every item the compact lists show, keyed as the client keys them: the server's data. */
export async function serverItems(node: MobileNode, pageSize = 3): Promise<Map<string, unknown>> {
	const out = new Map<string, unknown>();
	for (const [list, kind] of [["bills", "bill"], ["votes", "vote"], ["politicians", "politician"]] as const) {
		let cursor: string | null = null;
		for (let guard = 0; guard < 10_000; guard++) {
			const query = new URLSearchParams({ limit: String(pageSize), ...(cursor ? { cursor } : {}) });
			const page: { items: { id: string }[]; cursor: string | null } = ok(await node.get(`/mobile/v1/${list}?${query}`));
			for (const item of page.items) out.set(`${kind}:${item.id}`, item);
			cursor = page.cursor;
			if (cursor === null) break;
		}
	}
	return out;
}
