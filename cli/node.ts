/**
 * `npm start` and `npm run node`: start one node with the services named in SERVICES (all twelve by
 * default). Configuration errors (an unknown service, a default secret in production) end the
 * process with a one-line message and exit code 2, never a stack trace.
 */
import { ConfigError, loadEnv } from "../runtime/env.ts";
import { UnknownServiceError } from "../platform/service-catalog.ts";
import { startNode } from "../platform/start-node.ts";

try {
	await startNode(loadEnv());
} catch (err) {
	if (err instanceof ConfigError || err instanceof UnknownServiceError) {
		process.stderr.write(`openpolicy: ${err.message}\n`);
		process.exit(2);
	}
	process.stderr.write(`openpolicy: the node could not start: ${err instanceof Error ? err.message : String(err)}\n`);
	process.exit(1);
}
