/**
 * A plain-text table for the operator console. Plain on purpose: the output is read by people in
 * a terminal and by tests, and must not depend on moleculer-repl's own (transitive) table module.
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
	const line = (cells: readonly string[]): string =>
		cells
			.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
			.join("  ")
			.trimEnd();
	return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** "3d 4h", "5m 12s", "42s": the two largest units are enough to read an uptime at a glance. */
export function humanDuration(totalSeconds: number | null): string {
	if (totalSeconds === null || !Number.isFinite(totalSeconds)) return "-";
	const units: [string, number][] = [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]];
	const parts: string[] = [];
	let rest = Math.max(0, Math.round(totalSeconds));
	for (const [name, size] of units) {
		const n = Math.floor(rest / size);
		rest -= n * size;
		if (n > 0 || (parts.length === 0 && size === 1)) parts.push(`${n}${name}`);
		if (parts.length === 2) break;
	}
	return parts.join(" ");
}

/** The time of day of an ISO timestamp, in UTC, which is what every node logs in. */
export function clockTime(iso: string): string {
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? "-" : d.toISOString().slice(11, 19);
}
