/**
 * The ETL service's keys in the central configuration (issue 12): schedules and politeness, live.
 * Each node's ETL_* variables stay its defaults until a value is stored.
 *
 * - `etl.schedules` replaces the node's timers at once (ETL_SCHEDULES is the default). A cron
 *   expression is checked by shape when it is written (JSON Schema carries no cron parser); one that
 *   croner still refuses is logged and the previous schedules stay.
 * - `etl.http.*` apply to runs that start after the change: a run in progress keeps the interval
 *   and timeout it started with (its extraction runs on a worker thread with its own options).
 */
import { Cron } from "croner";
import type { Service } from "moleculer";
import { z } from "zod";
import { ConfigMixin, configKey, configOf, declareConfig } from "../../mixins/config.mixin.ts";
import { SOURCE_NAMES } from "./source-names.ts";
import type { Schedule } from "./pipeline/schedule.ts";

/** Five to seven cron fields, or a croner nickname such as @daily. */
const CRON_SHAPE = /^(@(yearly|annually|monthly|weekly|daily|hourly)|[0-9A-Za-z*,/?#-]+( [0-9A-Za-z*,/?#-]+){4,6})$/;

export const ETL_CONFIG = declareConfig("etl", {
	"etl.schedules": configKey({
		schema: z.array(z.strictObject({ source: z.enum(SOURCE_NAMES), cron: z.string().max(100).regex(CRON_SHAPE, "must be a cron expression (minute hour day month weekday, UTC)") })).max(20),
		default: [],
		description: "Scheduled runs per source, cron in UTC; one node of the cluster runs each tick (ETL_SCHEDULES)",
		changeableBy: "operator"
	}),
	"etl.http.minIntervalMs": configKey({
		schema: z.number().int().min(0).max(60_000),
		default: 250,
		description: "Minimum ms between two HTTP requests to a source, for runs starting after a change (ETL_HTTP_MIN_INTERVAL_MS)",
		changeableBy: "operator"
	}),
	"etl.http.timeoutMs": configKey({
		schema: z.number().int().min(1_000).max(300_000),
		default: 20_000,
		description: "ms one HTTP request to a source may take, for runs starting after a change (ETL_HTTP_TIMEOUT_MS)",
		changeableBy: "operator"
	})
});

export interface EtlConfigDefaults {
	schedules?: Schedule[] | undefined;
	httpMinIntervalMs?: number | undefined;
	httpTimeoutMs?: number | undefined;
}

export function EtlConfigMixin(defaults: (service: Service) => EtlConfigDefaults) {
	return ConfigMixin(ETL_CONFIG, {
		defaults: (service) => {
			const d = defaults(service);
			return {
				...(d.schedules ? { "etl.schedules": d.schedules } : {}),
				...(d.httpMinIntervalMs !== undefined ? { "etl.http.minIntervalMs": d.httpMinIntervalMs } : {}),
				...(d.httpTimeoutMs !== undefined ? { "etl.http.timeoutMs": d.httpTimeoutMs } : {})
			};
		}
	});
}

export function etlHttpOptions(service: Service): { minIntervalMs: number; timeoutMs: number } {
	const config = configOf(service, ETL_CONFIG);
	return { minIntervalMs: config.get("etl.http.minIntervalMs"), timeoutMs: config.get("etl.http.timeoutMs") };
}

/**
 * Arms the configured schedules and re-arms them on every change (call in `started`); returns the
 * function that stops whichever timers run at the time.
 */
export function followSchedules(service: Service, arm: (schedules: readonly Schedule[]) => () => void): () => void {
	const config = configOf(service, ETL_CONFIG);
	let stop = arm(config.get("etl.schedules"));
	config.onChange("etl.schedules", (schedules) => {
		let next: () => void;
		try {
			// Every expression first: a timer armed before a later one failed would keep firing.
			for (const { cron } of schedules) new Cron(cron, { paused: true }).stop();
			next = arm(schedules);
		} catch (err) {
			service.logger.error(`ETL schedules not changed, the previous ones stay: ${err instanceof Error ? err.message : String(err)}`);
			return;
		}
		stop();
		stop = next;
		service.logger.info(`ETL schedules now: ${schedules.map((s) => `${s.source}=${s.cron}`).join("; ") || "none"}`);
	});
	return () => stop();
}
