/**
 * `npm run bench -- <scenario>... | all`: runs the named scenarios one after another; with no name
 * it lists them. A scenario is one file under bench/scenarios/ that exports a `Scenario`; add it to
 * SCENARIOS. Each prints its progress and a table whose ratios are to a baseline measured in the
 * same run. What a scenario needs (NATS, PostgreSQL, Prometheus) is checked first with a bounded
 * wait; a failed scenario prints one line, the others still run, and the exit code is 1.
 */
import { type Scenario, log } from "./scenario.ts";
import { MissingDependencyError, checkRequirements } from "./preflight.ts";
import { apiScenario } from "./scenarios/api.ts";
import { etlScenario } from "./scenarios/etl.ts";
import { footprintScenario } from "./scenarios/footprint.ts";
import { gatewayScenario } from "./scenarios/gateway.ts";
import { metricsScenario } from "./scenarios/metrics.ts";
import { mobileScenario } from "./scenarios/mobile.ts";
import { storageScenario } from "./scenarios/storage.ts";

const SCENARIOS: Scenario[] = [gatewayScenario, metricsScenario, storageScenario, etlScenario, footprintScenario, apiScenario, mobileScenario];

function usage(): string {
	return [
		"usage: npm run bench -- <scenario>... | all",
		"scenarios:",
		...SCENARIOS.map((s) => `  ${s.name.padEnd(10)} ${s.description}${s.requires?.length ? ` [needs ${s.requires.join(", ")}]` : ""}`),
		"Each scenario's file (bench/scenarios/<name>.ts) lists the BENCH_* variables that size it."
	].join("\n");
}

async function runOne(scenario: Scenario): Promise<boolean> {
	const started = performance.now();
	log(`\n== ${scenario.name}: ${scenario.description}`);
	try {
		await checkRequirements(scenario.requires ?? []);
		await scenario.run(log);
		log(`== ${scenario.name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
		return true;
	} catch (err) {
		const message = err instanceof MissingDependencyError || !(err instanceof Error) ? String(err instanceof Error ? err.message : err) : (err.stack ?? err.message);
		log(`== ${scenario.name} FAILED after ${((performance.now() - started) / 1000).toFixed(0)} s: ${message}`);
		return false;
	}
}

async function main(names: string[]): Promise<number> {
	if (names.length === 0 || names.includes("--help") || names.includes("-h")) {
		log(usage());
		return 0;
	}
	const all = names.includes("all");
	const unknown = names.filter((n) => n !== "all" && !SCENARIOS.some((s) => s.name === n));
	if (unknown.length > 0) {
		log(`unknown scenario ${unknown.join(", ")}\n${usage()}`);
		return 2;
	}
	const selected = all ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));
	let failed = 0;
	for (const scenario of selected) if (!(await runOne(scenario))) failed++;
	return failed > 0 ? 1 : 0;
}

const code = await main(process.argv.slice(2));
// A failed scenario may leave a handle open (a broker still retrying a server): do not wait for it.
if (code !== 0) process.exit(code);
