/**
 * The deployment service through the real gateway (HTTP on port 0, one in-process node) on
 * PostgreSQL 15 and PGlite: the wanted topology read and written by operators only, versioned
 * with who and why, refused with the field named when malformed, 409 on a stale expectedVersion;
 * the health service taking its wanted replicas from it through the broker; drift against the
 * live node; and a rollout that refuses to drain the last replica of a service.
 */
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, request, startGatewayNode } from "../../test/kits/gateway-test-kit.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { accessToken, bearer, operatorToken } from "../../test/helpers/auth.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { type HealthSettings, HealthService } from "../health/health.service.ts";
import type { DriftReport, Rollout, Topology } from "./deployment.contract.ts";
import { DeploymentService } from "./deployment.service.ts";

const OPERATOR = { ...bearer(operatorToken()), "content-type": "application/json" };
const CITIZEN = { ...bearer(accessToken("citizen")), "content-type": "application/json" };

const probe: ServiceSchema = { name: "probe", mixins: [HealthMixin()] };
const fastHealth: ServiceSchema<HealthSettings> = { name: "health", mixins: [HealthService()], settings: { checkIntervalMs: 200 } };

describe.each(BACKENDS)("deployment on $name", (backend) => {
	let database: TestDatabase;
	let broker: ServiceBroker;
	let baseUrl: string;
	const url = (path: string): string => `${baseUrl}/api/v1/deployment${path}`;
	const put = (body: unknown, headers = OPERATOR) => request(url("/topology"), { method: "PUT", headers, body: JSON.stringify(body) });

	beforeAll(async () => {
		database = await backend.create();
		({ broker, baseUrl } = await startGatewayNode([DeploymentService({ database: database.config }), fastHealth, probe]));
	}, 60_000);
	afterAll(async () => {
		await broker?.stop();
		await database?.drop();
	});

	it("answers the default before anything is stored, and only to operators", async () => {
		const res = await request(url("/topology"), { headers: OPERATOR });
		expect(res.status, res.text).toBe(200);
		expect(res.body).toMatchObject({ version: 0, services: {}, changedAt: null });
		expect((await request(url("/topology"))).status).toBe(401);
		expect((await request(url("/topology"), { headers: CITIZEN })).status).toBe(403);
		expect((await put({ services: { probe: { replicas: 2 } }, reason: "citizen tries" }, CITIZEN)).status).toBe(403);
	});

	it("refuses a malformed topology with the field named", async () => {
		for (const [body, field] of [
			[{ services: { probe: { replicas: -1 } }, reason: "negative" }, "services.probe.replicas"],
			[{ services: { "Not A Name": { replicas: 1 } }, reason: "bad name" }, "services"],
			[{ services: { probe: { replicas: 1, version: "1.0 beta" } }, reason: "bad version" }, "services.probe.version"],
			[{ services: { probe: { replicas: 1 } } }, "reason"]
		] as const) {
			const res = await put(body);
			expect(res.status, res.text).toBe(422);
			expect(JSON.stringify(errorOf(res).data)).toContain(field);
		}
	});

	it("stores versions with who and why; a stale expectedVersion is a 409", async () => {
		const first = await put({ services: { probe: { replicas: 2, version: null } }, reason: "two probes", expectedVersion: 0 });
		expect(first.status, first.text).toBe(200);
		const stored = first.body as Topology;
		expect(stored).toMatchObject({ services: { probe: { replicas: 2, version: null } }, reason: "two probes", changedBy: expect.stringMatching(/^user:/) as unknown });
		const stale = await put({ services: { probe: { replicas: 3 } }, reason: "lost update", expectedVersion: stored.version - 1 });
		expect(stale.status, stale.text).toBe(409);
		expect(errorOf(stale).type).toBe("TOPOLOGY_CONFLICT");
		expect(((await request(url("/topology"), { headers: OPERATOR })).body as Topology).version).toBe(stored.version);
		const history = await request(url("/topology/history"), { headers: OPERATOR });
		expect(history.body).toMatchObject({ objects: [{ version: stored.version, reason: "two probes" }], pagination: { total: 1 } });
	});

	it("is followed by health's replica counts, and drift names the missing replica", async () => {
		const view = await waitFor(
			async () => {
				const services = await broker.call<{ services: { name: string; wanted: number; status: string }[] }>("health.services");
				const p = services.services.find((s) => s.name === "probe");
				return p?.wanted === 2 ? p : undefined;
			},
			{ timeoutMs: 10_000, message: "health to want two probes" }
		);
		expect(view.status).toBe("degraded");
		const drift = await request(url("/drift"), { headers: OPERATOR });
		expect(drift.status, drift.text).toBe(200);
		expect((drift.body as DriftReport).items).toEqual([expect.objectContaining({ kind: "missing_replicas", service: "probe", wanted: 2, live: 1, nodes: [broker.nodeID], expected: false })]);

		await put({ services: { probe: { replicas: 1, version: null } }, reason: "one is enough" });
		expect(((await request(url("/drift"), { headers: OPERATOR })).body as DriftReport).inSync).toBe(true);
		await waitFor(async () => (await broker.call<{ services: { name: string; wanted: number }[] }>("health.services")).services.find((s) => s.name === "probe")?.wanted === 1, {
			timeoutMs: 10_000,
			message: "health to want one probe again"
		});
	});

	it("refuses to drain the only replica of a service, with a report", async () => {
		const res = await request(url("/rollouts"), { method: "POST", headers: OPERATOR, body: JSON.stringify({ service: "probe", reason: "upgrade the probe" }) });
		expect(res.status, res.text).toBe(200);
		const started = res.body as Rollout;
		const done = await waitFor(
			async () => {
				const r = (await request(url(`/rollouts/${started.id}`), { headers: OPERATOR })).body as Rollout;
				return r.state !== "running" ? r : undefined;
			},
			{ timeoutMs: 10_000, message: "the rollout to stop" }
		);
		expect(done.state).toBe("failed");
		expect(done.report).toMatch(/^Stopped at node .*: .* runs this rollout|would leave probe with no live replica/);
		expect(done.steps.map((s) => s.phase)).toEqual(["planned", "refused"]);
		expect(broker.started).toBe(true);
		const unknown = await request(url("/rollouts/nope"), { headers: OPERATOR });
		expect(unknown.status).toBe(404);
		const none = await request(url("/rollouts"), { method: "POST", headers: OPERATOR, body: JSON.stringify({ service: "nothing-here", reason: "no such service" }) });
		expect(none.status).toBe(404);
	});
});
