/**
 * A node cut off from NATS while a change is made gets the change once NATS is back, without
 * waiting for the periodic check (set to ten minutes here): the config node and the owning node
 * are two brokers on a private nats-server that the test stops and starts again. The change is
 * made while each side has declared the other gone, so no broadcast can carry it. The config node
 * runs a replica of the owner too, as a cluster would elsewhere: a key is writable while a service
 * that declares it runs.
 */
import { randomUUID } from "node:crypto";
import { type Service, type ServiceSchema, ServiceBroker } from "moleculer";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrokerOptions } from "../moleculer.config.ts";
import { loadEnv } from "../runtime/env.ts";
import { createPostgresDatabase, type TestDatabase } from "../test/storage/test-databases.ts";
import { ConfigService } from "../services/config/config.service.ts";
import { PrivateNatsServer } from "../test/helpers/nats-server.ts";
import { waitFor } from "../test/helpers/wait-for.ts";
import { ConfigMixin, configKey, configOf, declareConfig } from "./config.mixin.ts";

const CUT_CONFIG = declareConfig("cutoff", {
	"cutoff.limit": configKey({ schema: z.number().int().min(1).max(1_000), default: 10, description: "A limit", changeableBy: "operator" })
});
const owner: ServiceSchema = { name: "cutoff", mixins: [ConfigMixin(CUT_CONFIG, { syncIntervalMs: 600_000 })] };

describe("a node cut off from NATS during a change", () => {
	let nats: PrivateNatsServer;
	let database: TestDatabase;
	const brokers: ServiceBroker[] = [];
	const make = (nodeID: string): ServiceBroker => {
		const env = loadEnv({ NODE_ENV: "test", LOG_LEVEL: "fatal", TRANSPORTER: nats.url, NAMESPACE: `cutoff-${randomUUID().slice(0, 8)}`, NODE_ID: nodeID });
		const broker = new ServiceBroker({ ...createBrokerOptions({ ...env, namespace: "cutoff" }), logger: false, skipProcessEventRegistration: true });
		brokers.push(broker);
		return broker;
	};

	beforeAll(async () => {
		nats = await PrivateNatsServer.create();
		await nats.start();
		database = await createPostgresDatabase();
	});
	afterAll(async () => {
		await Promise.allSettled(brokers.map((b) => b.stop()));
		await nats?.kill();
		await database?.drop();
	});

	it("fetches the current value when NATS is back", async () => {
		const configNode = make("cut-config");
		configNode.createService(ConfigService({ database: database.config }));
		configNode.createService(owner);
		const ownerNode = make("cut-owner");
		ownerNode.createService(owner);
		await Promise.all([configNode.start(), ownerNode.start()]);
		const limit = () => configOf(ownerNode.getLocalService("cutoff") as Service, CUT_CONFIG).get("cutoff.limit");

		await waitFor(() => configNode.registry.events.getAllEndpoints("config.changed").some((n) => n.id === "cut-owner"), { message: "the config node to know the owner" });
		await configNode.call("config.set", { key: "cutoff.limit", value: 20, reason: "before the outage" });
		await waitFor(() => limit() === 20, { message: "the broadcast before the outage" });

		await nats.stop();
		await waitFor(() => configNode.registry.nodes.get("cut-owner")?.available === false && ownerNode.registry.nodes.get("cut-config")?.available === false, {
			timeoutMs: 10_000,
			message: "both nodes to declare the other gone"
		});
		await configNode.call("config.set", { key: "cutoff.limit", value: 30, reason: "during the outage" });
		expect(limit()).toBe(20);

		await nats.start();
		await waitFor(() => limit() === 30, { timeoutMs: 15_000, message: "the owner to catch up after NATS came back" });
	}, 60_000);
});
