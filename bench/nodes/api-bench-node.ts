/**
 * The node of the API benchmark, run as a child process so its memory is measured alone: the
 * platform's broker and gateway with a `web` service made of the export mixin (the read routes
 * join it when web.service.ts mixes them in), on the PostgreSQL database in DATABASE_URL. Tells
 * the parent its HTTP port over IPC once the database is migrated.
 */
import type { ServiceSchema } from "moleculer";
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { edgeServerOf } from "../../gateway/edge-server.ts";
import { GatewayService } from "../../gateway/gateway.service.ts";
import { DbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { loadEnv } from "../../runtime/env.ts";
import { ExportActionsMixin } from "../../services/web/export/export.mixin.ts";

const webService: ServiceSchema = {
	name: "web",
	settings: { rest: "/" },
	mixins: [DbMixin({ schema: "web", reads: ["etl"] }), ExportActionsMixin()]
};

async function main(): Promise<number> {
	const env = loadEnv();
	const broker = new ServiceBroker(createBrokerOptions(env));
	broker.createService(GatewayService({ port: 0, ip: "127.0.0.1", env }));
	broker.createService(webService);
	await broker.start();
	await (broker.getLocalService("web") as unknown as DbService).dbReady(30_000);
	return edgeServerOf(broker)?.port ?? 0;
}

main().then(
	(port) => process.send?.({ ready: true, port }),
	(err: unknown) => {
		process.stderr.write(`api bench node failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exit(1);
	}
);
