/**
 * `npm run deploy -- <command>`: deployment files for operators.
 *   manifests [--out DIR] [--image NAME] [--host HOST]
 *       docker-compose and Kubernetes manifests from the wanted topology in PostgreSQL
 *       (DATABASE_URL), or from the default topology when no database answers (it says so)
 *   dev-cert [--out DIR] [--host NAME]...
 *       a self-signed certificate and key for development TLS (default deploy/certs)
 * Errors end in one line and a non-zero exit code, never a stack trace.
 */
import { parseArgs } from "node:util";
import { ConfigError, loadEnv } from "../runtime/env.ts";
import { databaseConfigFromEnv } from "../runtime/storage/database-config.ts";
import { openStandalone } from "../runtime/storage/database-registry.ts";
import { makeDevCert } from "../services/deployment/manifests/dev-cert.ts";
import { defaultServices } from "../services/deployment/manifests/manifest-topology.ts";
import { storedTopology, writeManifests } from "../services/deployment/manifests/write-manifests.ts";

const USAGE = "usage: npm run deploy -- manifests [--out DIR] [--image NAME] [--host HOST] | dev-cert [--out DIR] [--host NAME]...";

async function main(argv: string[]): Promise<number> {
	const { positionals, values } = parseArgs({
		args: argv,
		allowPositionals: true,
		options: { out: { type: "string" }, image: { type: "string" }, host: { type: "string", multiple: true } }
	});
	const env = loadEnv();
	switch (positionals[0]) {
		case "manifests": {
			const config = databaseConfigFromEnv({ ...env, nodeID: `deploy-${process.pid}` });
			// Only PostgreSQL: opening the embedded store would take it from a running node (one process per folder).
			const topology =
				config.kind === "postgres"
					? await storedTopology(() => openStandalone({ ...config, connectTimeoutMs: Math.min(config.connectTimeoutMs, 3_000) }), env.appVersion)
					: { source: "default topology (no DATABASE_URL: the embedded store is not read)", services: defaultServices(env.appVersion), defaultVersion: env.appVersion };
			const written = await writeManifests(values.out ?? "deploy/generated", topology, {
				...(values.image ? { image: values.image } : {}),
				...(values.host?.[0] ? { host: values.host[0] } : {})
			});
			process.stdout.write(`topology: ${topology.source}\n${written.kubernetes} (${written.objects} objects)\n${written.compose}\n`);
			return 0;
		}
		case "dev-cert": {
			const cert = await makeDevCert(values.out ?? "deploy/certs", values.host && values.host.length > 0 ? values.host : undefined);
			process.stdout.write(`certificate ${cert.cert}\nkey         ${cert.key}\nSelf-signed, for development only: browsers will warn.\n`);
			return 0;
		}
		default:
			process.stderr.write(`${USAGE}\n`);
			return 2;
	}
}

try {
	process.exitCode = await main(process.argv.slice(2));
} catch (err) {
	process.stderr.write(`deploy: ${err instanceof Error ? err.message : String(err)}\n`);
	process.exitCode = err instanceof ConfigError || (err as { code?: unknown }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? 2 : 1;
}
