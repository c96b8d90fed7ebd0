/**
 * The table every throughput scenario prints. `ratio` is throughput against the baseline (higher is
 * better); `cpu x` is CPU time per operation against the baseline's (lower is better).
 */
import type { Log, ResultRow } from "./scenario.ts";

function cell(text: string, width: number, left = false): string {
	return left ? text.padEnd(width) : text.padStart(width);
}

function ms(value: number): string {
	return Number.isFinite(value) ? value.toFixed(value < 10 ? 2 : 1) : "-";
}

export function printTable(rows: readonly ResultRow[], unit: string, log: Log): void {
	const nameWidth = Math.max(8, ...rows.map((r) => r.name.length));
	const withCpu = rows.some((r) => Number.isFinite(r.cpuUsPerOp));
	const cpuHeader = withCpu ? `  ${cell("cpu µs/op", 9)}  ${cell("cpu x", 6)}` : "";
	const header = `  ${cell("variant", nameWidth, true)}  ${cell(unit, 10)}  ${cell("p50 ms", 8)}  ${cell("p99 ms", 8)}  ${cell("ratio", 6)}${cpuHeader}  rounds`;
	log(header);
	log(`  ${"-".repeat(header.length - 2)}`);
	for (const r of rows) {
		const rounds = r.rounds.map((v) => Math.round(v).toLocaleString("en-CA")).join(" ");
		const cpu = withCpu ? `  ${cell(Number.isFinite(r.cpuUsPerOp) ? r.cpuUsPerOp.toFixed(r.cpuUsPerOp < 10 ? 2 : 0) : "-", 9)}  ${cell(r.cpuRatio.toFixed(2), 6)}` : "";
		log(
			`  ${cell(r.name, nameWidth, true)}  ${cell(Math.round(r.perSecond).toLocaleString("en-CA"), 10)}  ${cell(ms(r.p50Ms), 8)}  ${cell(ms(r.p99Ms), 8)}  ${cell(r.ratio.toFixed(2), 6)}${cpu}  ${rounds}`
		);
	}
}
