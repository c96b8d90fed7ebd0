/**
 * The nodes of the API benchmark, each a child process so its memory and CPU are its own, on the
 * PostgreSQL database in DATABASE_URL. `node bench/nodes/api-bench-node.ts <role>`:
 *   local          the platform's broker (no transporter), gateway and `web` service on one node
 *   gateway        the platform's broker and gateway, joined to TRANSPORTER in NAMESPACE
 *   web            the platform's broker and `web` service, likewise
 *   bare-gateway   stock moleculer-web (default settings) on a stock broker: the baseline's gateway
 *   bare-web       a stock broker whose `web.bills` runs the same store function as the platform's
 *                  (listBills, pageOf) with the same zod schema, and nothing else: no cache, no
 *                  metrics, tracing or logger
 * BENCH_CACHE=off runs the platform's broker without its cacher. Tells the parent its HTTP port
 * (0 for a node without one) over IPC once it can serve.
 */
import type { Context, ServiceSchema } from "moleculer";
import { ServiceBroker } from "moleculer";
import ApiGateway from "moleculer-web";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { edgeServerOf } from "../../gateway/edge-server.ts";
import { GatewayService } from "../../gateway/gateway.service.ts";
import type { DbService } from "../../mixins/db.mixin.ts";
import { loadEnv } from "../../runtime/env.ts";
import { databaseConfigFromEnv } from "../../runtime/storage/database-config.ts";
import { openStandalone } from "../../runtime/storage/database-registry.ts";
import { schemaOf } from "../../runtime/validation/zod-params.ts";
import { pageOf } from "../../services/web/pages.ts";
import { BillsParams } from "../../services/web/params.ts";
import { listBills } from "../../services/web/stores/bills-store.ts";
import { WebService } from "../../services/web/web.service.ts";

const ROLES = ["local", "gateway", "web", "bare-gateway", "bare-web"] as const;
export type ApiBenchRole = (typeof ROLES)[number];

function platformBroker(): ServiceBroker {
	const options = createBrokerOptions(loadEnv());
	if (process.env.BENCH_CACHE === "off") options.cacher = undefined;
	return new ServiceBroker(options);
}

function bareBroker(): ServiceBroker {
	const url = process.env.TRANSPORTER ?? "nats://127.0.0.1:4222";
	return new ServiceBroker({ namespace: process.env.NAMESPACE, nodeID: process.env.NODE_ID, transporter: { type: "NATS", options: { url } }, logger: false });
}

async function bareWebService(): Promise<ServiceSchema> {
	const db = await openStandalone(databaseConfigFromEnv(loadEnv()));
	const schema = schemaOf(BillsParams);
	return {
		name: "web",
		actions: {
			bills: {
				async handler(ctx: Context<Record<string, unknown>>) {
					const params = schema.parse(ctx.params);
					const { objects, total } = await listBills(db, params);
					return pageOf("/bills", params, objects, total);
				}
			}
		},
		stopped: () => db.close()
	};
}

async function webReady(broker: ServiceBroker): Promise<void> {
	await (broker.getLocalService("web") as unknown as DbService).dbReady(30_000);
}

async function main(role: ApiBenchRole): Promise<number> {
	if (role === "bare-gateway" || role === "bare-web") {
		const broker = bareBroker();
		if (role === "bare-web") broker.createService(await bareWebService());
		else broker.createService({ name: "api", mixins: [ApiGateway], settings: { port: 0, ip: "127.0.0.1" } });
		await broker.start();
		if (role === "bare-web") return 0;
		const api = broker.getLocalService("api") as unknown as { server: { address(): { port: number } } };
		return api.server.address().port;
	}
	const env = loadEnv();
	const broker = platformBroker();
	if (role !== "web") broker.createService(GatewayService({ port: 0, ip: "127.0.0.1", env }));
	if (role !== "gateway") broker.createService(WebService({ env }));
	await broker.start();
	if (role !== "gateway") await webReady(broker);
	return role === "web" ? 0 : (edgeServerOf(broker)?.port ?? 0);
}

const role = process.argv[2] as ApiBenchRole;
if (!ROLES.includes(role)) {
	process.stderr.write(`usage: api-bench-node.ts ${ROLES.join("|")}\n`);
	process.exit(2);
}
main(role).then(
	(port) => process.send?.({ ready: true, port }),
	(err: unknown) => {
		process.stderr.write(`api bench node (${role}) failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exit(1);
	}
);
