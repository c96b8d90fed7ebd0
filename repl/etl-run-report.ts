/** Runs as text, for the CLI (`npm run etl -- status`) and the REPL (`etl status`). */
import { textTable } from "./text-table.ts";
import type { Run } from "../services/etl/etl.contract.ts";

function duration(run: Run): string {
	if (!run.startedAt) return "-";
	const ms = (run.finishedAt ? Date.parse(run.finishedAt) : Date.now()) - Date.parse(run.startedAt);
	return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

export function countsLine(run: Run): string {
	return `fetched ${run.fetched}, inserted ${run.inserted}, updated ${run.updated}, unchanged ${run.unchanged}, invalid ${run.invalid}`;
}

export function renderRuns(runs: readonly Run[]): string {
	if (runs.length === 0) return "No ETL runs yet.";
	const header = ["RUN", "SOURCE", "STATUS", "STARTED", "TOOK", "COUNTS", "ERROR"];
	const rows = runs.map((r) => [r.id, r.source, r.status.toUpperCase(), r.startedAt ?? r.createdAt, duration(r), countsLine(r), (r.error ?? "") + (r.resumedFrom ? ` (resumed ${r.resumedFrom})` : "")]);
	return textTable(header, rows);
}

/** One line per progress report when the output is not a terminal (logs, CI). */
export function progressLine(run: Run): string {
	const page = run.progress.url ? ` at ${run.progress.url}` : "";
	return `${run.source} ${run.id} ${run.status}: ${run.progress.documents ?? 0} documents, ${countsLine(run)}${page}`;
}

/** A one-line bar redrawn in place on a terminal; the total is unknown up front, so it counts. */
export function progressBar(run: Run, columns: number): string {
	const spinner = "|/-\\"[(run.progress.documents ?? 0) % 4] ?? "|";
	const text = `${spinner} ${run.source}: ${run.progress.documents ?? 0} docs | +${run.inserted} ~${run.updated} =${run.unchanged} !${run.invalid}`;
	return text.length > columns - 1 ? text.slice(0, columns - 1) : text;
}
