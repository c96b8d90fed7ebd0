/**
 * `etl run <source> [--url URL] [--file PATH]` starts a run on whichever ETL node the call reaches
 * (the lease keeps it to one per source) and follows it to the end; `etl status` lists recent runs.
 */
import type { ServiceBroker } from "moleculer";
import { ETL_ACTIONS, isSourceName, SOURCE_NAMES } from "../../services/etl/etl.contract.ts";
import { countsLine, renderRuns } from "../etl-run-report.ts";
import type { Run } from "../../services/etl/etl.contract.ts";
import type { ReplCommand } from "../repl-command.ts";

export async function etlStatus(broker: ServiceBroker, limit = 20): Promise<string> {
	const { runs } = await broker.call<{ runs: Run[] }, { limit: number }>(ETL_ACTIONS.runs, { limit });
	return renderRuns(runs);
}

export async function etlRun(broker: ServiceBroker, source: string, options: { url?: string; file?: string }): Promise<string> {
	if (!isSourceName(source)) return `Unknown source "${source}" (one of ${SOURCE_NAMES.join(", ")})`;
	try {
		// No request timeout: a run takes as long as the source does; progress is on the SSE stream.
		const run = await broker.call<Run, Record<string, unknown>>("etl.run", { source, wait: true, ...options }, { timeout: 0 });
		return `${run.source} run ${run.id} ${run.status.toUpperCase()}: ${countsLine(run)}${run.error ? ` (${run.error})` : ""}`;
	} catch (err) {
		const e = err as { code?: number; message?: string; data?: { runId?: string } };
		return e.code === 409 ? `Busy: ${e.message ?? ""}` : `Failed to start: ${e.message ?? String(err)}`;
	}
}

const etlCommand: ReplCommand = {
	command: "etl <action> [source]",
	description: "ETL runs: `etl run <source> [--url URL | --file PATH]` or `etl status`",
	options: [
		{ option: "-u, --url <url>", description: "base or export URL for `etl run`" },
		{ option: "-f, --file <path>", description: "a local export for `etl run`, on the node that runs it" },
		{ option: "-l, --limit <n>", description: "runs to list for `etl status` (default 20)" }
	],
	async action(broker, args) {
		const action = String(args.action ?? "");
		if (action === "status") {
			const limit = Number(args.options.limit ?? 20);
			console.log(await etlStatus(broker, Number.isInteger(limit) && limit > 0 ? limit : 20));
		} else if (action === "run") {
			const url = typeof args.options.url === "string" ? args.options.url : undefined;
			const file = typeof args.options.file === "string" ? args.options.file : undefined;
			console.log(await etlRun(broker, String(args.source ?? ""), { ...(url ? { url } : {}), ...(file ? { file } : {}) }));
		} else console.log("usage: etl run <source> [--url URL | --file PATH] | etl status");
	}
};

export default etlCommand;
