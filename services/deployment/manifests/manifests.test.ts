/**
 * `npm run deploy -- manifests`: every Kubernetes object it writes validates against the
 * Kubernetes API's JSON schemas (kubernetes-models ships them), the compose file parses and has
 * the wanted replicas; from the stored topology on PostgreSQL, and from the default (said so) when
 * no database answers. Also the probe server that worker nodes' probes reach (PROBE_PORT).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ServiceBroker } from "moleculer";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProbeServer } from "../../../platform/probe-server.ts";
import { openStandalone } from "../../../runtime/storage/database-registry.ts";
import { applyMigrations } from "../../../runtime/storage/migrations.ts";
import { migrationSetOf } from "../../../runtime/storage/migration-sets.ts";
import { createPostgresDatabase } from "../../../test/storage/test-databases.ts";
import { PROJECT_ROOT } from "../../../test/helpers/node-process.ts";
import { appendTopology } from "../topology-store.ts";

const run = promisify(execFile);

type AnyObject = Record<string, unknown>;
// The models' constructors are typed per kind; the documents read back from YAML are plain data.
type ModelClass = new (data: never) => { validate(): void };
const MODELS: Record<string, ModelClass> = {
	Deployment: Deployment as unknown as ModelClass,
	Ingress: Ingress as unknown as ModelClass,
	PodDisruptionBudget: PodDisruptionBudget as unknown as ModelClass,
	ConfigMap: ConfigMap as unknown as ModelClass,
	Service: Service as unknown as ModelClass
};

function validate(doc: AnyObject): void {
	const Model = MODELS[String(doc.kind)];
	if (!Model) throw new Error(`No schema for kind ${String(doc.kind)}`);
	new Model(doc as never).validate();
}

async function deploy(args: string[], env: Record<string, string | undefined>): Promise<{ stdout: string; stderr: string }> {
	const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && k !== "DATABASE_URL"));
	return run(process.execPath, ["bin/deploy.ts", ...args], { cwd: PROJECT_ROOT, env: { ...inherited, NODE_ENV: "test", ...env }, timeout: 60_000 });
}

async function readKubernetes(dir: string): Promise<AnyObject[]> {
	return parseAllDocuments(await readFile(path.join(dir, "kubernetes.yaml"), "utf8")).map((d) => d.toJS() as AnyObject);
}

const byKind = (docs: AnyObject[], kind: string): AnyObject[] => docs.filter((d) => d.kind === kind);
const nameOf = (d: AnyObject): string => String((d.metadata as AnyObject).name);

describe("manifests", () => {
	let dir: string;
	beforeAll(async () => {
		dir = await mkdtemp(path.join(os.tmpdir(), "op-manifests-"));
	});
	afterAll(async () => {
		await rm(dir, { recursive: true, force: true });
	});

	it("validation catches a wrong manifest (the check below can fail)", () => {
		expect(() => validate({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "two", selector: {}, template: {} } })).toThrow();
	});

	it("from the default topology when no database answers: valid objects, probes, drain, budgets, and it says so", async () => {
		const out = path.join(dir, "default");
		const { stdout } = await deploy(["manifests", "--out", out], { DATABASE_URL: "postgres://postgres@127.0.0.1:1/nothing" });
		expect(stdout).toMatch(/topology: default topology \(no database reachable/);
		const docs = await readKubernetes(out);
		for (const doc of docs) validate(doc);
		const deployments = byKind(docs, "Deployment");
		expect(deployments).toHaveLength(12);
		for (const d of deployments) {
			const container = (((d.spec as AnyObject).template as AnyObject).spec as { containers: AnyObject[] }).containers[0] as AnyObject;
			expect((container.readinessProbe as { httpGet: { path: string } }).httpGet.path).toBe("/readyz");
			expect((container.livenessProbe as { httpGet: { path: string } }).httpGet.path).toBe("/healthz");
			expect(container.lifecycle).toMatchObject({ preStop: { exec: { command: ["sleep", "5"] } } });
			expect(container.resources).toMatchObject({ requests: { cpu: expect.any(String) as unknown, memory: expect.any(String) as unknown } });
		}
		// Two gateways and two health observers by default: a budget each, none for single replicas.
		expect(byKind(docs, "PodDisruptionBudget").map(nameOf).sort()).toEqual(["openpolicy-gateway", "openpolicy-health"]);
		expect(byKind(docs, "Service").map(nameOf)).toEqual(["openpolicy-gateway"]);
		expect(byKind(docs, "Ingress")[0]).toMatchObject({ metadata: { annotations: { "nginx.ingress.kubernetes.io/proxy-buffering": "off" } } });

		const compose = parse(await readFile(path.join(out, "docker-compose.yml"), "utf8")) as { services: Record<string, { deploy?: { replicas: number }; environment?: Record<string, string> }> };
		expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(["nats", "postgres", "redis", "gateway", "web", "nginx"]));
		expect(compose.services.gateway?.deploy?.replicas).toBe(2);
		expect(compose.services.web?.environment).toMatchObject({ SERVICES: "web", PROBE_PORT: "9000" });
	});

	it("from the stored topology on PostgreSQL: its replicas and versions, fixtures left out", async () => {
		const pg = await createPostgresDatabase();
		try {
			const db = await openStandalone(pg.config);
			try {
				const set = migrationSetOf("deployment");
				await applyMigrations(db, [set], "test");
				await appendTopology(db, { services: { gateway: { replicas: 3, version: "2.0.0" }, web: { replicas: 1, version: null }, echo: { replicas: 2, version: null } }, changedBy: "user:u1", reason: "test" });
			} finally {
				await db.close();
			}
			const out = path.join(dir, "stored");
			const { stdout } = await deploy(["manifests", "--out", out, "--host", "api.example.test"], { DATABASE_URL: pg.url, APP_VERSION: "1.9.0" });
			expect(stdout).toMatch(/topology: database \(topology version 1, by user:u1\)/);
			const docs = await readKubernetes(out);
			for (const doc of docs) validate(doc);
			expect(byKind(docs, "Deployment").map((d) => [nameOf(d), (d.spec as { replicas: number }).replicas])).toEqual([
				["openpolicy-gateway", 3],
				["openpolicy-web", 1]
			]);
			const images = byKind(docs, "Deployment").map((d) => ((((d.spec as AnyObject).template as AnyObject).spec as { containers: { image: string }[] }).containers[0]?.image));
			expect(images).toEqual(["openpolicy-platform:2.0.0", "openpolicy-platform:1.9.0"]);
			expect(byKind(docs, "PodDisruptionBudget").map(nameOf)).toEqual(["openpolicy-gateway"]);
			expect(byKind(docs, "Ingress")[0]).toMatchObject({ spec: { rules: [{ host: "api.example.test" }] } });
		} finally {
			await pg.drop();
		}
	});

	it("refuses an unknown command with the usage", async () => {
		const failed = await deploy(["nonsense"], {}).then(
			() => undefined,
			(err: unknown) => err as { code: number; stderr: string }
		);
		expect(failed?.code).toBe(2);
		expect(failed?.stderr).toMatch(/^usage: npm run deploy -- manifests/);
	});
});

describe("probe server (PROBE_PORT on nodes without a gateway)", () => {
	it("answers /healthz, /readyz once started, and 503 while draining", async () => {
		const broker = new ServiceBroker({ logger: false, skipProcessEventRegistration: true, registry: { stopDelay: 300 } });
		const probes = await openProbeServer(broker, 0, "127.0.0.1");
		const get = async (p: string) => (await fetch(`http://127.0.0.1:${probes.port}${p}`, { signal: AbortSignal.timeout(5_000) })).status;
		expect(await get("/healthz")).toBe(200);
		expect(await get("/readyz")).toBe(503);
		await broker.start();
		expect(await get("/readyz")).toBe(200);
		expect(await get("/other")).toBe(404);
		const stopping = broker.stop();
		expect(await get("/readyz")).toBe(503);
		await stopping;
	});
});
