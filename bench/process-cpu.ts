/** CPU time of other processes, from /proc (Linux), for CPU-per-operation figures. */
import fs from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** User plus system CPU time of `pid` so far, in microseconds; NaN where /proc is not available. */
export function processCpuMicros(pid: number | undefined): number {
	if (pid === undefined) return Number.NaN;
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
		// The command name may contain spaces: fields are counted after its closing parenthesis.
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		const ticks = Number(fields[11]) + Number(fields[12]);
		return (ticks * 1_000_000) / TICKS_PER_SECOND;
	} catch {
		return Number.NaN;
	}
}
