/**
 * A real platform node for the browser tests: `bin/node.ts` with all twelve services as a child
 * process on a fresh PostgreSQL database, joined over NATS by a client broker that loads the data
 * through the ETL's own connectors (the real OCD riding files and the crafted parliament in
 * openparliament's shapes, as services/web/web-test-kit.ts does in-process).
 */
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { type ClusterClient, type NodeProcess, PROJECT_ROOT, TestCluster, freePort } from "../../../test/helpers/cluster.ts";
import { createPostgresDatabase } from "../../../runtime/storage/test-fixtures/test-databases.ts";
import type { Run } from "../../../services/etl/pipeline/runs.ts";
import { CRAFTED_PARLIAMENT, OCD_FIXTURES } from "../../../services/web/web-test-kit.ts";

export interface PlatformNode {
	node: NodeProcess;
	client: ClusterClient;
	url(pathname?: string): string;
	logs(): string;
	stop(): Promise<void>;
}

/** The first admin, created by the node at start (ADMIN_EMAIL): the account that signs in with TOTP. */
export const ADMIN = { email: "admin-e2e@example.org", password: "a lighthouse keeper's long evening" };

const WEB_DIST = path.join(PROJECT_ROOT, "frontend/web/dist/index.html");

/** The app must be built before the gateway can serve it; CI builds it first, a developer may not have. */
export function ensureBuiltApp(): void {
	if (existsSync(WEB_DIST)) return;
	execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts/build-frontends.ts"), "--if-missing"], { cwd: PROJECT_ROOT, stdio: "inherit", timeout: 180_000 });
}

export async function startPlatformNode(): Promise<PlatformNode> {
	ensureBuiltApp();
	const database = await createPostgresDatabase();
	const cluster = new TestCluster({ namespacePrefix: "webapp-e2e" });
	try {
		const node = await cluster.startNode({
			nodeID: "webapp-e2e",
			port: await freePort(),
			env: { DATABASE_URL: database.url, ETL_SCHEDULES: "", ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }
		});
		await cluster.waitForReady(node, 60_000);
		const client = await cluster.client();
		await client.waitForNode(node.nodeID, ["etl", "web", "auth"], 30_000, () => cluster.logs());
		for (const [source, file] of [["ocd", OCD_FIXTURES], ["openparliament", CRAFTED_PARLIAMENT]] as const) {
			const run = await client.call<Run>("etl.run", { source, file, wait: true }, { timeout: 120_000 });
			if (run.status !== "succeeded") throw new Error(`The ${source} fixture run ${run.status}: ${run.error ?? ""}\n${cluster.logs()}`);
		}
		return {
			node,
			client,
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
