/**
 * A node for the web routes' tests: the real gateway (port 0) and a `web` service made of the
 * mixins under test, the way web.service.ts mixes them, on the database the test names.
 */
import type { Service, ServiceSchema } from "moleculer";
import { type GatewayNode, startGatewayNode } from "./gateway-test-kit.ts";
import { DbMixin, type DbService } from "../../mixins/db.mixin.ts";
import type { DatabaseConfig } from "../../runtime/storage/database.ts";
import { type ExportOptions, ExportActionsMixin } from "../../services/web/export/export.mixin.ts";

export interface WebTestOptions {
	export?: ExportOptions;
	/** More mixins of the web service (citizen routes). */
	mixins?: Partial<ServiceSchema>[];
	/** Other services on the node (an event listener). */
	services?: ServiceSchema[];
}

export function webTestService(database: DatabaseConfig, options: WebTestOptions = {}): ServiceSchema {
	return {
		name: "web",
		settings: { rest: "/" },
		mixins: [DbMixin({ schema: "web", reads: ["etl"], database }), ExportActionsMixin(options.export), ...(options.mixins ?? [])]
	};
}

export interface WebNode extends GatewayNode {
	web: Service;
	db: DbService["db"];
}

export async function startWebNode(database: DatabaseConfig, options: WebTestOptions = {}): Promise<WebNode> {
	const node = await startGatewayNode([webTestService(database, options), ...(options.services ?? [])]);
	const web = node.broker.getLocalService("web") as Service;
	const db = web as unknown as DbService;
	await db.dbReady(30_000);
	return { ...node, web, db: db.db };
}
