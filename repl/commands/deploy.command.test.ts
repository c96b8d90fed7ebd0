/**
 * The REPL's `deploy` command against a real deployment service and health service on one broker
 * (PGlite in memory): the default topology, drift once a topology is stored, a rollout followed to
 * its end (refused here: this node is the only one), and bad usage.
 */
import { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { loadEnv } from "../../runtime/env.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { DeploymentService } from "../../services/deployment/deployment.service.ts";
import { HealthService } from "../../services/health/health.service.ts";
import { deployReport } from "./deploy.command.ts";

const pglite = BACKENDS.find((b) => b.name.startsWith("PGlite"));

describe("REPL deploy command", () => {
	let created: TestDatabase;
	let broker: ServiceBroker;

	beforeAll(async () => {
		if (!pglite) throw new Error("no test backend");
		created = await pglite.create();
		const options = createBrokerOptions(loadEnv({ NODE_ENV: "test", NODE_ID: "repl-deploy" }));
		options.logger = false;
		broker = new ServiceBroker(options);
		broker.createService(DeploymentService({ database: created.config }));
		broker.createService(HealthService());
		broker.createService({ name: "probe", mixins: [HealthMixin()] });
		await broker.start();
	}, 60_000);

	afterAll(async () => {
		await broker?.stop();
		await created?.drop();
	});

	it("shows the default topology, then drift against a stored one", async () => {
		expect(await deployReport(broker, {})).toBe("No topology stored yet (every service: one replica).\n\nNo rollouts yet.");
		expect(await deployReport(broker, { action: "drift" })).toBe("In sync with topology version 0.");
		await broker.call("deployment.setTopology", { services: { probe: { replicas: 3 } }, reason: "three probes" });
		const status = await deployReport(broker, { action: "status" });
		expect(status).toMatch(/^Topology version 1 by console@repl-deploy at .*: three probes\nSERVICE +REPLICAS +VERSION\n-+ +-+ +-+\nprobe +3 +any/);
		expect(await deployReport(broker, { action: "drift" })).toMatch(/probe +missing_replicas +3 +1 +repl-deploy +probe: 1 of 3 wanted replicas live/);
	});

	it("follows a rollout step by step to its end, and answers bad usage", async () => {
		const lines: string[] = [];
		const outcome = await deployReport(broker, { action: "rollout", service: "probe", reason: "try", print: (l) => lines.push(l), followMs: 20_000 });
		expect(outcome).toBe("FAILED: Stopped at node repl-deploy: repl-deploy runs this rollout: start it from another deployment node");
		expect(lines[0]).toMatch(/^Rollout \S+ of probe: repl-deploy$/);
		expect(lines.slice(1).map((l) => l.split(/\s+/)[1])).toEqual(["PLANNED", "REFUSED"]);
		expect(await deployReport(broker, { action: "rollout", service: "probe" })).toMatch(/^usage: deploy rollout/);
		expect(await deployReport(broker, { action: "rollout", service: "Bad Name", reason: "bad" })).toMatch(/^deployment: /);
		expect(await deployReport(broker, { action: "nope" })).toMatch(/^usage: deploy/);
	});
});
