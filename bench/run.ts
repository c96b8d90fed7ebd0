/**
 * `npm run bench [-- <scenario>...]`: runs the named scenarios, or all of them, one after another.
 * A scenario is one file under bench/scenarios/ that exports a `Scenario`; add it to SCENARIOS.
 * Each prints its progress and a table whose ratios are to a baseline measured in the same run.
 */
import { type Scenario, log } from "./scenario.ts";
import { apiScenario } from "./scenarios/api.ts";
import { etlScenario } from "./scenarios/etl.ts";
import { footprintScenario } from "./scenarios/footprint.ts";
import { gatewayScenario } from "./scenarios/gateway.ts";
import { metricsScenario } from "./scenarios/metrics.ts";
import { mobileScenario } from "./scenarios/mobile.ts";
import { storageScenario } from "./scenarios/storage.ts";

const SCENARIOS: Scenario[] = [gatewayScenario, metricsScenario, storageScenario, etlScenario, footprintScenario, apiScenario, mobileScenario];

function usage(): string {
	return ["usage: npm run bench [-- <scenario>...]", "scenarios:", ...SCENARIOS.map((s) => `  ${s.name.padEnd(10)} ${s.description}`)].join("\n");
}

async function main(names: string[]): Promise<number> {
	if (names.includes("--help") || names.includes("-h")) {
		log(usage());
		return 0;
	}
	const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
	if (unknown.length > 0) {
		log(`unknown scenario ${unknown.join(", ")}\n${usage()}`);
		return 2;
	}
	const selected = names.length > 0 ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
	for (const scenario of selected) {
		const started = performance.now();
		log(`\n== ${scenario.name}: ${scenario.description}`);
		await scenario.run(log);
		log(`== ${scenario.name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
	}
	return 0;
}

process.exitCode = await main(process.argv.slice(2));
