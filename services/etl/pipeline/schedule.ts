/**
 * Schedules per source from configuration: `ETL_SCHEDULES="openparliament=0 3 * * *;legisinfo=30 3 * * *"`
 * (`;` between entries, since cron fields use spaces and commas). Every ETL node keeps the same
 * timers; at a tick each tries to start the run, and the lease (plus the unique cron slot recorded
 * on the run) lets exactly one of them do it: whichever node takes the lease runs it.
 */
import { Cron } from "croner";
import { isSourceName } from "../source-names.ts";
import type { SourceName } from "../records/raw-document.ts";
import type { RunParams } from "./runs.ts";

export interface Schedule {
	source: SourceName;
	cron: string;
	/** What the scheduled run reads (a mirror's URL, a drop folder); ETL_SCHEDULES runs use each source's default. */
	params?: RunParams;
}

export class ScheduleConfigError extends Error {
	override name = "ScheduleConfigError";
}

export function parseSchedules(raw: string | undefined): Schedule[] {
	if (!raw?.trim()) return [];
	return raw
		.split(";")
		.map((entry) => entry.trim())
		.filter((entry) => entry.length > 0)
		.map((entry) => {
			const eq = entry.indexOf("=");
			const source = entry.slice(0, eq).trim();
			const cron = entry.slice(eq + 1).trim();
			if (eq < 0 || !isSourceName(source)) throw new ScheduleConfigError(`ETL_SCHEDULES: "${entry}" must be <source>=<cron> with a known source`);
			try {
				new Cron(cron, { paused: true }).stop();
			} catch (err) {
				throw new ScheduleConfigError(`ETL_SCHEDULES: "${cron}" is not a cron expression: ${err instanceof Error ? err.message : String(err)}`);
			}
			return { source, cron };
		});
}

/** Starts a timer per schedule; `fire` gets the slot time so concurrent nodes agree on it. Returns a stop function. */
export function startSchedules(schedules: readonly Schedule[], fire: (schedule: Schedule, slot: Date) => void): () => void {
	const jobs = schedules.map(
		(schedule) =>
			new Cron(schedule.cron, { timezone: "UTC", protect: true }, (job: Cron) => {
				// The slot is the time the expression named, not when this node's timer happened to fire.
				const slot = job.currentRun() ?? new Date();
				slot.setMilliseconds(0);
				fire(schedule, slot);
			})
	);
	return () => {
		for (const job of jobs) job.stop();
	};
}
