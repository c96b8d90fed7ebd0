/**
 * When a read service's cached answers must go (web and viz; moved here from services/web) (issue 11: nothing stale once an ETL run has
 * committed). Answers are cached by Moleculer's cacher per action and params (Redis when
 * REDIS_URL, so every web node shares them; memory otherwise). They are cleaned:
 * - on `etl.run.progress`, which the ETL broadcasts after every committed batch and at the end of
 *   a run, so every web node hears it (its own memory cache included), whenever the run's written
 *   counts or status moved since the last report (progress during extraction alone changes nothing);
 * - on the ETL's domain events, emitted once per service group after each commit.
 *
 * One race is closed by hand: a request that read the database before a commit and finishes after
 * the clean would store the old answer afterwards. Each request notes the generation it began in;
 * one that sees the generation moved while it ran cleans again once its answer has been stored.
 */
import { DOMAIN_EVENTS } from "../etl/etl.contract.ts";
import type { ServiceBroker } from "moleculer";

/** The ETL's domain events: each is a committed change to the data a read service answers with. */
export const CACHE_CLEAN_EVENTS = DOMAIN_EVENTS;
/** The cacher's keys start with the action name: `web.**` is every cached web answer. */
export function cachePatternOf(serviceName: string): string {
	return `${serviceName}.**`;
}

interface RunReport {
	id?: unknown;
	status?: unknown;
	inserted?: unknown;
	updated?: unknown;
	invalid?: unknown;
}

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

export class CacheInvalidation {
	#generation = 0;
	readonly #runs = new Map<string, string>();
	readonly #broker: ServiceBroker;
	readonly #pattern: string;

	/** `serviceName`: whose cached answers (`<name>.**`) this cleans. */
	constructor(broker: ServiceBroker, serviceName: string) {
		this.#broker = broker;
		this.#pattern = cachePatternOf(serviceName);
	}

	get generation(): number {
		return this.#generation;
	}

	/** Whether a run report says something was committed since its last one (and cleans if so). */
	async onRunProgress(report: RunReport): Promise<boolean> {
		if (typeof report.id !== "string") return false;
		const signature = `${String(report.inserted)}:${String(report.updated)}:${String(report.invalid)}:${String(report.status)}`;
		const moved = this.#runs.get(report.id) !== signature;
		if (FINISHED.has(String(report.status))) this.#runs.delete(report.id);
		else this.#runs.set(report.id, signature);
		if (moved) await this.clean();
		return moved;
	}

	async clean(): Promise<void> {
		this.#generation++;
		await this.#broker.cacher?.clean(this.#pattern);
	}

	/**
	 * Called when a request that began in `startedIn` has its answer: if a clean happened meanwhile,
	 * clean again after the cacher has stored that answer (it stores it as soon as the handler's
	 * promise settles, before any macrotask; Redis runs the two commands in order).
	 */
	settle(startedIn: number): void {
		if (startedIn === this.#generation) return;
		setImmediate(() => {
			this.clean().catch(() => undefined);
		});
	}
}
