/**
 * `npm run repl`: an operator console. It starts a node that joins the cluster named by the same
 * variables as every other node (TRANSPORTER, NAMESPACE, ...), runs no platform service of its
 * own, and opens moleculer-repl with the platform's commands from repl/commands/.
 */
import os from "node:os";
import { ServiceBroker } from "moleculer";
import type { BrokerOptions } from "moleculer";
import { createBrokerOptions } from "../moleculer.config.ts";
import { ConfigError, loadEnv } from "../runtime/env.ts";
import { loadCommands } from "../repl/load-commands.ts";

try {
	const env = loadEnv();
	// A console must not take a node's id, nor its metrics port, nor chatter over the prompt.
	if (!process.env.NODE_ID) env.nodeID = `repl-${os.hostname()}-${process.pid}`;
	if (!process.env.LOG_LEVEL) env.logLevel = "warn";
	env.metricsPort = 0;
	if (!env.transporter) process.stderr.write("openpolicy repl: TRANSPORTER is not set, so this console sees only itself.\n");

	const commands = await loadCommands();
	const options: BrokerOptions = {
		...createBrokerOptions(env),
		// moleculer's published type for a command's `args` is string[]; moleculer-repl passes the object ReplArgs describes.
		replOptions: { delimiter: "openpolicy $", customCommands: commands as unknown as NonNullable<BrokerOptions["replOptions"]>["customCommands"] }
	};
	const broker = new ServiceBroker(options);
	await broker.start();
	broker.repl();
} catch (err) {
	if (err instanceof ConfigError) {
		process.stderr.write(`openpolicy repl: ${err.message}\n`);
		process.exit(2);
	}
	process.stderr.write(`openpolicy repl: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
	process.exit(1);
}
