/**
 * What the web tests share: one node with the gateway (HTTP on port 0), the ETL and the web
 * service on a given database, loaded through the ETL's own connectors from the real OCD riding
 * files (services/etl/fixtures/ocd, with its deliberately bad rows) and the crafted parliament
 * (fixtures/crafted-parliament.json, openparliament's shapes).
 */
import { fileURLToPath } from "node:url";
import type { ServiceBroker } from "moleculer";
import { type JsonResponse, request, startGatewayNode } from "./gateway-test-kit.ts";
import type { DatabaseConfig } from "../../runtime/storage/database.ts";
import { EtlService } from "../../services/etl/etl.service.ts";
import type { Run } from "../../services/etl/etl.contract.ts";
import { WebService } from "../../services/web/web.service.ts";

export const OCD_FIXTURES = fileURLToPath(new URL("../../services/etl/fixtures/ocd", import.meta.url));
export const CRAFTED_PARLIAMENT = fileURLToPath(new URL("../../services/web/fixtures/crafted-parliament.json", import.meta.url));

export interface WebNode {
	broker: ServiceBroker;
	baseUrl: string;
	get(path: string, headers?: Record<string, string>): Promise<JsonResponse>;
	/** An ETL run from a local file, as the CLI starts it (no principal, so `file` and `wait` are allowed). */
	load(source: "ocd" | "openparliament", file: string): Promise<Run>;
}

export async function startWebNode(database: DatabaseConfig): Promise<WebNode> {
	const { broker, baseUrl } = await startGatewayNode([EtlService({ database, settings: { schedules: [] } }), WebService({ database })]);
	return {
		broker,
		baseUrl,
		get: (path, headers = {}) => request(`${baseUrl}${path}`, { headers }),
		load: (source, file) => broker.call<Run, Record<string, unknown>>("etl.run", { source, file, wait: true }, { timeout: 60_000 })
	};
}

export async function startLoadedWebNode(database: DatabaseConfig): Promise<WebNode> {
	const node = await startWebNode(database);
	for (const [source, file] of [["ocd", OCD_FIXTURES], ["openparliament", CRAFTED_PARLIAMENT]] as const) {
		const run = await node.load(source, file);
		if (run.status !== "succeeded") throw new Error(`The ${source} fixture run ${run.status}: ${run.error ?? ""}`);
	}
	return node;
}

export interface ListBody<T = Record<string, unknown>> {
	objects: T[];
	pagination: { offset: number; limit: number; total: number; next_url: string | null; previous_url: string | null };
}

export function listOf<T = Record<string, unknown>>(res: JsonResponse): ListBody<T> {
	if (res.status !== 200) throw new Error(`Expected 200, got ${res.status}: ${res.text.slice(0, 300)}`);
	return res.body as ListBody<T>;
}
