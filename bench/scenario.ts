/**
 * What a benchmark scenario is, and the one way scenarios compare variants: every variant runs in
 * the same process tree and the same minutes, in rounds that rotate the order, so the noise of a
 * shared 2-core machine falls on all of them alike. Figures are medians over rounds; ratios are to
 * the scenario's baseline (its first variant) in the same rounds.
 */
import { median } from "./stats.ts";
import { printTable } from "./report-table.ts";
import type { Requirement } from "./preflight.ts";

export type Log = (line: string) => void;

export const log: Log = (line) => process.stdout.write(`${line}\n`);

export interface Scenario {
	name: string;
	description: string;
	/** Servers and programs checked (bounded) before it runs, so a missing one fails it at once. */
	requires?: readonly Requirement[];
	run(log: Log): Promise<unknown>;
}

/** One measurement of one variant. */
export interface Sample {
	perSecond: number;
	p50Ms: number;
	p99Ms: number;
	/**
	 * CPU time the measured processes spent per operation, when the scenario can tell. Unlike
	 * throughput it hardly moves when other programs compete for the cores.
	 */
	cpuUsPerOp?: number;
}

export interface Variant {
	name: string;
	/** Runs one measurement round. */
	measure(): Promise<Sample>;
}

export interface ResultRow extends Sample {
	name: string;
	/**
	 * Median over rounds of this variant's throughput divided by the baseline's in the same round:
	 * pairing measurements taken minutes apart at most cancels most of the machine's drift.
	 */
	ratio: number;
	/** Every round's throughput, for judging the noise. */
	rounds: number[];
	/** Median CPU µs per operation, and its median ratio to the baseline's in the same round (NaN if unknown). */
	cpuUsPerOp: number;
	cpuRatio: number;
}

export interface RotationOptions {
	rounds: number;
	unit: string;
	log: Log;
}

/**
 * Measures `variants` (the first is the baseline) `rounds` times each, rotating which goes first
 * so neither warms the machine for the other, and prints the table.
 */
export async function compareVariants(variants: readonly Variant[], options: RotationOptions): Promise<ResultRow[]> {
	const samples = variants.map(() => [] as Sample[]);
	for (let round = 0; round < options.rounds; round++) {
		const order = variants.map((_, i) => (i + round) % variants.length);
		if (round % 2 === 1) order.reverse();
		const parts: string[] = [];
		for (const i of order) {
			const variant = variants[i] as Variant;
			const sample = await variant.measure();
			samples[i]?.push(sample);
			parts.push(`${variant.name} ${Math.round(sample.perSecond).toLocaleString("en-CA")}`);
		}
		options.log(`  round ${round + 1}/${options.rounds}: ${parts.join(" | ")} ${options.unit}`);
	}
	const rows = variants.map((variant, i) => {
		const own = samples[i] ?? [];
		return {
			name: variant.name,
			perSecond: median(own.map((s) => s.perSecond)),
			p50Ms: median(own.map((s) => s.p50Ms)),
			p99Ms: median(own.map((s) => s.p99Ms)),
			ratio: 0,
			rounds: own.map((s) => s.perSecond),
			cpuUsPerOp: median(own.map((s) => s.cpuUsPerOp ?? Number.NaN)),
			cpuRatio: Number.NaN
		};
	});
	const pairedRatio = (mine: Sample[], base: Sample[], pick: (s: Sample) => number): number =>
		median(mine.map((s, round) => pick(s) / pick(base[round] ?? s)));
	rows.forEach((row, i) => {
		row.ratio = pairedRatio(samples[i] ?? [], samples[0] ?? [], (s) => s.perSecond);
		row.cpuRatio = pairedRatio(samples[i] ?? [], samples[0] ?? [], (s) => s.cpuUsPerOp ?? Number.NaN);
	});
	printTable(rows, options.unit, options.log);
	return rows;
}
