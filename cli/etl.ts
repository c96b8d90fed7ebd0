/**
 * `npm run etl -- run <source> [--url URL | --file PATH] [--wait]` and `npm run etl -- status`.
 *
 * Runs an in-process node with the etl service only and no transporter, so the run happens here
 * (not on whichever cluster node a call would be balanced to), on embedded PGlite under DATA_DIR
 * unless DATABASE_URL names a PostgreSQL. The lease still applies: a run of a source that a
 * cluster node is running answers 409 here too, naming its holder and expiry; with `--wait` the
 * CLI tries again with a countdown until that expiry instead (a holder known to be gone, such as a
 * killed local run, is taken over at once either way). Exit codes: 0 succeeded, 1 the run failed or
 * was cancelled, 2 bad usage or configuration, 3 the source is busy (409).
 */
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../moleculer.config.ts";
import { ConfigError, loadEnv } from "../runtime/env.ts";
import { EtlService } from "../services/etl/etl.service.ts";
import { ETL_ACTIONS, RUN_PROGRESS_EVENT, SOURCE_NAMES, isSourceName } from "../services/etl/etl.contract.ts";
import { progressBar, progressLine, renderRuns, countsLine } from "../repl/etl-run-report.ts";
import type { Run } from "../services/etl/etl.contract.ts";
import { type BusySource, LeaseStillHeld, busySourceOf, retryWhileBusy } from "../services/etl/pipeline/lease-wait.ts";

const USAGE = `usage: npm run etl -- run <${SOURCE_NAMES.join("|")}> [--url URL | --file PATH] [--wait]
       npm run etl -- status [--limit N]`;

class UsageError extends Error {}

/** Flags that take no value. */
const SWITCHES = new Set(["wait"]);

function parseArgs(argv: string[]): { command: string; positional: string[]; flags: Map<string, string> } {
	const positional: string[] = [];
	const flags = new Map<string, string>();
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i] ?? "";
		if (arg.startsWith("--")) {
			const eq = arg.indexOf("=");
			if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
			else if (SWITCHES.has(arg.slice(2))) flags.set(arg.slice(2), "true");
			else {
				const value = argv[++i];
				if (value === undefined) throw new UsageError(`${arg} needs a value`);
				flags.set(arg.slice(2), value);
			}
		} else positional.push(arg);
	}
	const [command = "", ...rest] = positional;
	return { command, positional: rest, flags };
}

let lastCountdown: number | undefined;

/** The wait for a busy source's lease as a progress line: rewritten in place on a terminal, every 5 s otherwise. */
function showCountdown(busy: BusySource, remainingMs: number, tty: boolean): void {
	const left = Math.ceil(remainingMs / 1000);
	const line = `waiting for run ${busy.lease.runId} on ${busy.lease.nodeID} (last renewed ${Math.round(busy.lease.renewedAgoMs / 1000)} s ago): its lease expires in ${left} s`;
	if (tty) process.stdout.write(`\r${line}\x1b[K`);
	else if (lastCountdown === undefined || lastCountdown - left >= 5) {
		lastCountdown = left;
		process.stdout.write(`${line}\n`);
	}
}

async function main(): Promise<number> {
	const argv = process.argv.slice(2);
	if (argv.includes("--help") || argv.includes("-h")) {
		process.stdout.write(`${USAGE}\n`);
		return 0;
	}
	const { command, positional, flags } = parseArgs(argv);
	if (command !== "run" && command !== "status") throw new UsageError(command ? `unknown command "${command}"` : "no command");
	const loaded = loadEnv();
	// Broker logs would tear the progress bar: warnings and errors only, unless LOG_LEVEL asks for more.
	const env = { ...loaded, transporter: undefined, services: ["etl"], logLevel: process.env.LOG_LEVEL ? loaded.logLevel : ("warn" as const) };
	// No Moleculer process handlers: on exit they stop the broker and call process.exit(0), which
	// would turn a failed run into success. Ctrl-C is handled below instead.
	const broker = new ServiceBroker({
		...createBrokerOptions(env),
		nodeID: `etl-cli-${process.pid}`,
		metrics: false,
		tracing: false,
		skipProcessEventRegistration: true
	});
	process.once("SIGINT", () => {
		process.stderr.write("\netl: interrupted; the run can be resumed by running it again\n");
		void broker.stop().finally(() => process.exit(130));
	});
	const tty = process.stdout.isTTY === true;
	broker.createService(EtlService({ env, settings: { schedules: [] } }));
	broker.createService({
		name: "etl-cli-progress",
		events: {
			[RUN_PROGRESS_EVENT](ctx: { params: Run }) {
				if (tty) process.stdout.write(`\r${progressBar(ctx.params, process.stdout.columns || 80)}\x1b[K`);
				else process.stdout.write(`${progressLine(ctx.params)}\n`);
			}
		}
	});
	try {
		await broker.start();
		if (command === "status") {
			const limit = Number(flags.get("limit") ?? 20);
			const { runs } = await broker.call<{ runs: Run[] }, { limit: number }>(ETL_ACTIONS.runs, { limit: Number.isInteger(limit) && limit > 0 ? limit : 20 });
			process.stdout.write(`${renderRuns(runs)}\n`);
			return 0;
		}
		const source = positional[0] ?? "";
		if (!isSourceName(source)) throw new UsageError(`unknown source "${source}"`);
		const url = flags.get("url");
		const file = flags.get("file");
		const attempt = () => broker.call<Run, Record<string, unknown>>("etl.run", { source, wait: true, ...(url ? { url } : {}), ...(file ? { file } : {}) }, { timeout: 0 });
		let run: Run;
		try {
			run = flags.has("wait") ? await retryWhileBusy(attempt, { onWait: (busy, remainingMs) => showCountdown(busy, remainingMs, tty) }) : await attempt();
		} catch (err) {
			const e = err as { code?: number; message?: string };
			if (err instanceof LeaseStillHeld) {
				process.stderr.write(`${tty ? "\n" : ""}etl: ${err.message}\n`);
				return 3;
			}
			if (e.code === 409) {
				process.stderr.write(`etl: ${e.message ?? "source busy"}${busySourceOf(err) ? " (--wait waits for it)" : ""}\n`);
				return 3;
			}
			if (e.code === 422) throw new UsageError(e.message ?? "bad request");
			throw err;
		}
		if (tty) process.stdout.write("\n");
		const line = `${run.source} run ${run.id} ${run.status}: ${countsLine(run)}${run.error ? ` (${run.error})` : ""}`;
		if (run.status === "succeeded") {
			process.stdout.write(`${line}\n`);
			return 0;
		}
		process.stderr.write(`${line}\n`);
		return 1;
	} finally {
		await broker.stop();
	}
}

try {
	process.exitCode = await main();
} catch (err) {
	if (err instanceof UsageError || err instanceof ConfigError) {
		process.stderr.write(`etl: ${err.message}\n${USAGE}\n`);
		process.exitCode = 2;
	} else {
		process.stderr.write(`etl: ${err instanceof Error ? err.message : String(err)}\n`);
		process.exitCode = 1;
	}
}
