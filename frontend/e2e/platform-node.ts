/**
 * A real platform node for the browser tests of both apps: `bin/node.ts` with all twelve services
 * as a child process on a fresh PostgreSQL database, joined over NATS by a client broker that
 * (for the web app) loads the data through the ETL's own connectors (the real OCD riding files
 * and the crafted parliament in openparliament's shapes, as services/web/web-test-kit.ts does
 * in-process).
 */
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { type ClusterClient, type NodeProcess, PROJECT_ROOT, TestCluster, freePort } from "../../test/helpers/cluster.ts";
import { createPostgresDatabase } from "../../test/storage/test-databases.ts";
import type { Run } from "../../services/etl/pipeline/runs.ts";
import { CRAFTED_PARLIAMENT, OCD_FIXTURES } from "../../test/kits/web-test-kit.ts";

export interface PlatformNode {
	node: NodeProcess;
	client: ClusterClient;
	/** The test cluster, for starting (and killing) more nodes in it. */
	cluster: TestCluster;
	url(pathname?: string): string;
	logs(): string;
	stop(): Promise<void>;
}

/** The first admin, created by the node at start (ADMIN_EMAIL): the account that signs in with TOTP. */
export const ADMIN = { email: "admin-e2e@example.org", password: "a lighthouse keeper's long evening" };

const BUILT_APPS = ["frontend/web/dist/index.html", "frontend/admin/dist/index.html"].map((file) => path.join(PROJECT_ROOT, file));

/** The apps must be built before the gateway can serve them; CI builds them first, a developer may not have. */
export function ensureBuiltApp(): void {
	if (BUILT_APPS.every((file) => existsSync(file))) return;
	execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts/build-frontends.ts"), "--if-missing"], { cwd: PROJECT_ROOT, stdio: "inherit", timeout: 180_000 });
}

export interface PlatformNodeOptions {
	/** Names the node and its NATS namespace in logs. */
	name?: string;
	/** Loads the riding files and the crafted parliament (the web app's pages need them). */
	loadData?: boolean;
	/** More variables for the node (ETL allow-lists, thresholds). */
	env?: Record<string, string>;
}

export async function startPlatformNode(options: PlatformNodeOptions = {}): Promise<PlatformNode> {
	ensureBuiltApp();
	const name = options.name ?? "webapp-e2e";
	const database = await createPostgresDatabase();
	const cluster = new TestCluster({ namespacePrefix: name });
	try {
		const node = await cluster.startNode({
			nodeID: name,
			port: await freePort(),
			env: { DATABASE_URL: database.url, ETL_SCHEDULES: "", ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ...options.env }
		});
		await cluster.waitForReady(node, 60_000);
		const client = await cluster.client();
		await client.waitForNode(node.nodeID, ["etl", "web", "auth"], 30_000, () => cluster.logs());
		const fixtures = options.loadData === false ? [] : ([["ocd", OCD_FIXTURES], ["openparliament", CRAFTED_PARLIAMENT]] as const);
		for (const [source, file] of fixtures) {
			const run = await client.call<Run>("etl.run", { source, file, wait: true }, { timeout: 120_000 });
			if (run.status !== "succeeded") throw new Error(`The ${source} fixture run ${run.status}: ${run.error ?? ""}\n${cluster.logs()}`);
		}
		return {
			node,
			client,
			cluster,
			url: (pathname = "/") => node.url(pathname),
			logs: () => cluster.logs(),
			stop: async () => {
				await cluster.stop();
				await database.drop();
			}
		};
	} catch (err) {
		await cluster.stop();
		await database.drop();
		throw err;
	}
}
