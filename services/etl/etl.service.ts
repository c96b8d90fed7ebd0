/**
 * `etl`: getting parliamentary data in (issue 5). Owns schema `etl` (the domain tables, runs,
 * checkpoints, data-quality issues, leases; docs/decisions/0005-parliament-data-model.md).
 *
 * Actions (operators only once issue 4 enforces permissions): `etl.run` starts a run of a source
 * (409 with the running run's id when the source is busy anywhere in the cluster), `etl.cancel`,
 * `etl.runs`, `etl.get`, `etl.issues` (GET /api/v1/etl/issues: open data-quality issues with the raw
 * document each was found in). Progress goes out as `etl.run.progress` (broadcast, so every gateway's SSE
 * stream has it); domain events (`bill.created`, `bill.updated`, `vote.recorded`,
 * `politician.created`, `politician.updated`) are emitted once per service group after each commit.
 *
 * A call through the gateway (it carries a principal) may not name a local `file`, may give a `url`
 * only on the source's own origins or those in ETL_URL_ALLOWLIST, and may not `wait`: otherwise an
 * API key could make the server read its files or reach internal addresses, and a waiting request
 * would outlive the gateway's timeout. The CLI (bin/etl.ts, no principal) keeps all three.
 */
import { listPage } from "../../runtime/list-page.ts";
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import { DbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { DocumentStoreMixin, type DocumentStoreVars } from "../../mixins/document-store.mixin.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { type ServiceThis, defineService } from "../../runtime/define-service.ts";
import type { Env } from "../../runtime/env.ts";
import type { DatabaseConfig } from "../../runtime/storage/database.ts";
import { DatabaseUnavailableError } from "../../runtime/storage/errors.ts";
import { principalOf } from "../../access/principal.ts";
import { LEGISINFO_EXPORT_URL } from "./connectors/legisinfo.ts";
import { OCD_PUBLISHED_PREFIX } from "./connectors/ocd-divisions.ts";
import { parsePrivateNetworkAllowlist } from "../../runtime/net/address-policy.ts";
import { isUnderPrefix } from "./http/fetcher.ts";
import { RUN_CANCEL_REQUESTED_EVENT, RUN_PROGRESS_EVENT } from "./etl.contract.ts";
import { STATUS_CHANGED_EVENT, type Transition } from "../health/health.contract.ts";
import { SOURCE_NAMES } from "./source-names.ts";
import { OPENPARLIAMENT_BASE_URL, type OpenparliamentConfig } from "./connectors/openparliament.ts";
import { OURCOMMONS_BASE_URL } from "./connectors/ourcommons.ts";
import type { SourceName } from "./records/raw-document.ts";
import type { DomainEvent } from "./pipeline/loader.ts";
import { type ActiveRun, NodeStopping, RunCancelled, executeRun } from "./pipeline/runner.ts";
import {
	type Run,
	type RunParams,
	type SourceRunStatus,
	cancelOrphan,
	getCheckpoint,
	getRun,
	listIssues,
	listRuns,
	markHolderGone,
	requestCancel,
	runIssues,
	sourceRunStatuses,
	startRun
} from "./pipeline/runs.ts";
import { incrementMetric, observeMetric } from "../../runtime/platform-metrics.ts";
import { type Schedule, parseSchedules, startSchedules } from "./pipeline/schedule.ts";
import { ETL_CONFIG, EtlConfigMixin, etlHttpOptions, followSchedules } from "./etl.config.ts";
import { configOf } from "../../mixins/config.mixin.ts";
import type { ParamsOf } from "../../runtime/validation/zod-params.ts";
import type { ResultOf } from "../../runtime/validation/zod-response.ts";
import { ETL_ERRORS, EtlError, RunNotFoundError } from "./errors.ts";
import { CancelRequestedPayload, IssueListResponse, ListIssuesParams, ListRunsParams, RunDetailResponse, RunIdParams, RunListResponse, RunParams as RunActionParams, RunResponse } from "./etl.params.ts";
import { thisProcess } from "./pipeline/lease-holder.ts";
import { busyMessage } from "./pipeline/lease-wait.ts";
import { watchTransporter } from "../../mixins/transporter-monitor.ts";

export interface EtlSettings extends ServiceSettingSchema {
	/** How long a run's lease lives without renewal (renewed every third of it). */
	leaseTtlMs?: number;
	batchDocuments?: number;
	batchRecords?: number;
	/** Minimum ms between two HTTP requests to a source (politeness). */
	httpMinIntervalMs?: number;
	httpTimeoutMs?: number;
	schedules?: Schedule[];
	openparliament?: OpenparliamentConfig;
	/** Origins (`https://host:port`) a gateway caller may name as `url`, besides each source's own. */
	urlAllowlist?: string[];
	/** Non-public networks (CIDR) runs may connect to, e.g. an internal mirror; none by default. */
	allowPrivateNetworks?: string[];
}

export interface EtlServiceOptions {
	database?: DatabaseConfig;
	env?: Env;
	settings?: Partial<EtlSettings>;
}


/** What an etl service holds while it runs, set in `created` (DbMixin and DocumentStoreMixin add theirs). */
interface EtlVars extends DbService, DocumentStoreVars {
	active: Map<string, ActiveRun>;
	stopSchedules: () => void;
	stopping: boolean;
}

type EtlThis = ServiceThis<EtlSettings, EtlVars>;

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name];
	const n = raw === undefined || raw === "" ? fallback : Number(raw);
	if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${raw ?? ""}"`);
	return n;
}

/**
 * Where each connector reads by default (a URL prefix: origin and path): a gateway caller may always
 * point a run back under it, and a run's redirects must stay under it or the allowlist. ocd's files
 * sit on a host that serves every repository, so its prefix is the folder they are published in.
 */
const DEFAULT_URL_PREFIXES: Record<SourceName, readonly string[]> = {
	ocd: [OCD_PUBLISHED_PREFIX],
	openparliament: [`${new URL(OPENPARLIAMENT_BASE_URL).origin}/`],
	legisinfo: [`${new URL(LEGISINFO_EXPORT_URL).origin}/`],
	ourcommons: [`${new URL(OURCOMMONS_BASE_URL).origin}/`]
};

function allowedUrlPrefixes(this: EtlThis, source: SourceName): string[] {
	return [...DEFAULT_URL_PREFIXES[source], ...(this.settings.urlAllowlist ?? []).map((origin) => `${origin}/`)];
}

/** ETL_URL_ALLOWLIST: comma-separated origins; a path or a typo fails at start, not at the first run. */
export function parseUrlAllowlist(raw: string | undefined): string[] {
	const origins: string[] = [];
	for (const entry of (raw ?? "").split(",").map((e) => e.trim()).filter((e) => e !== "")) {
		let origin: string;
		try {
			origin = new URL(entry).origin;
		} catch {
			throw new Error(`ETL_URL_ALLOWLIST: "${entry}" is not an origin like https://host:port`);
		}
		if (origin === "null" || !/^https?:$/.test(new URL(entry).protocol)) throw new Error(`ETL_URL_ALLOWLIST: "${entry}" is not an http(s) origin`);
		origins.push(origin);
	}
	return origins;
}

/** Settings from the ETL_* variables; explicit settings win. */
export function etlSettingsFromEnv(source: NodeJS.ProcessEnv = process.env): EtlSettings {
	return {
		leaseTtlMs: intVar(source, "ETL_LEASE_TTL_MS", 30_000),
		batchDocuments: intVar(source, "ETL_BATCH_DOCUMENTS", 500),
		batchRecords: intVar(source, "ETL_BATCH_RECORDS", 20_000),
		httpMinIntervalMs: intVar(source, "ETL_HTTP_MIN_INTERVAL_MS", 250),
		httpTimeoutMs: intVar(source, "ETL_HTTP_TIMEOUT_MS", 20_000),
		schedules: parseSchedules(source.ETL_SCHEDULES),
		urlAllowlist: parseUrlAllowlist(source.ETL_URL_ALLOWLIST),
		allowPrivateNetworks: parsePrivateNetworkAllowlist(source.ETL_ALLOW_PRIVATE_NETWORKS)
	};
}

async function startEtlRun(this: EtlThis, source: SourceName, params: RunParams, scheduledFor?: Date): Promise<ActiveRun> {
	await this.dbReady();
	await this.documentsOpened;
	const outcome = await startRun(this.db, {
		source,
		params,
		holder: thisProcess(this.broker.nodeID),
		leaseTtlMs: this.settings.leaseTtlMs ?? 30_000,
		...(scheduledFor ? { scheduledFor } : {})
	});
	if (!outcome.started) {
		if ("scheduledDuplicate" in outcome) throw new EtlError(ETL_ERRORS.RUN_IN_PROGRESS, `The ${source} run for this slot already ran`, { source });
		throw new EtlError(ETL_ERRORS.RUN_IN_PROGRESS, busyMessage(source, outcome.lease), { source, ...outcome.lease });
	}
	if (outcome.resume) this.logger.warn(`Run ${outcome.run.id} resumes interrupted run ${outcome.resume.from.id} of ${source}`);
	const active = executeRun(outcome.run, outcome.resume?.checkpoint, {
		db: this.db,
		...(this.documents ? { documents: this.documents } : {}),
		leaseTtlMs: this.settings.leaseTtlMs ?? 30_000,
		batchDocuments: this.settings.batchDocuments ?? 500,
		batchRecords: this.settings.batchRecords ?? 20_000,
		...(this.settings.openparliament ? { openparliament: this.settings.openparliament } : {}),
		http: {
			// Politeness from the config service (live); what a run may reach stays the node's own.
			...etlHttpOptions(this),
			allowedUrlPrefixes: allowedUrlPrefixes.call(this, source),
			allowPrivateNetworks: this.settings.allowPrivateNetworks ?? []
		},
		onProgress: (run) => {
			if (!this.stopping) void this.broker.broadcast(RUN_PROGRESS_EVENT, run);
		},
		onEvents: (events) => emitDomainEvents.call(this, events),
		log: (level, message) => this.logger[level](message)
	});
	this.active.set(outcome.run.id, active);
	void active.done.then((run) => recordRunMetrics.call(this, run), () => undefined).finally(() => this.active.delete(outcome.run.id));
	return active;
}

/** What a gateway caller may not ask for (see the header): refused before anything is read or fetched. */
function checkRemoteRun(this: EtlThis, source: SourceName, params: { url: string | undefined; file: string | undefined; wait: boolean | undefined }): void {
	if (params.file !== undefined) {
		throw new EtlError(ETL_ERRORS.FILE_NOT_ALLOWED, "file is for the command line: npm run etl -- run <source> --file PATH", { source });
	}
	if (params.wait) {
		// The run outlives the gateway's request timeout; follow it on /api/v1/events or GET /runs/:id.
		throw new EtlError(ETL_ERRORS.BAD_REQUEST, "wait is for the command line; follow the run with GET /api/v1/etl/runs/:id", { source });
	}
	if (params.url !== undefined) {
		const target = new URL(params.url);
		const allowed = allowedUrlPrefixes.call(this, source);
		if (!allowed.some((prefix) => isUnderPrefix(target, prefix))) {
			throw new EtlError(ETL_ERRORS.URL_NOT_ALLOWED, `url must be under ${allowed.join(", ")} (add origins to ETL_URL_ALLOWLIST)`, { source, origin: target.origin });
		}
	}
}

/** Rows and duration of a finished run, on the node that ran it (runtime/platform-metrics.ts). */
function recordRunMetrics(this: EtlThis, run: Run): void {
	if (run.status === "queued" || run.status === "running") return;
	const source = run.source;
	for (const outcome of ["inserted", "updated", "unchanged", "invalid"] as const) incrementMetric(this.broker, "etlRows", { source, outcome }, run[outcome]);
	incrementMetric(this.broker, "etlRuns", { source, status: run.status });
	const started = run.startedAt ?? run.createdAt;
	if (run.finishedAt) observeMetric(this.broker, "etlRunDuration", Math.max(0, (Date.parse(run.finishedAt) - Date.parse(started)) / 1000), { source, status: run.status });
}

/**
 * A node seen leaving the cluster frees the leases it holds at once (its runs resume elsewhere),
 * unless this node is itself cut off from NATS: then every other node looks gone, and the mark
 * would only free leases their live holders are still renewing through the database.
 */
async function holderLeft(this: EtlThis, nodeID: string, reason: string): Promise<void> {
	if (nodeID === this.broker.nodeID || watchTransporter(this.broker).status().state === "disconnected") return;
	try {
		await this.dbReady();
		const freed = await markHolderGone(this.db, nodeID, reason);
		if (freed.length > 0) this.logger.warn(`Node ${nodeID} ${reason}: the lease of ${freed.join(", ")} may be taken over now`);
	} catch (err) {
		this.logger.warn(`Could not free the leases of departed node ${nodeID}: ${err instanceof Error ? err.message : String(err)}`);
	}
}

function emitDomainEvents(this: EtlThis, events: DomainEvent[]): void {
	// emit, not broadcast: each interested service (notifications, caches) reacts once per group.
	for (const event of events) void this.broker.emit(event.name, event.payload);
}


export function EtlService(options: EtlServiceOptions = {}): ServiceSchema {
	const dbOptions = { ...(options.database ? { database: options.database } : {}), ...(options.env ? { env: options.env } : {}) };
	return defineService<EtlSettings, EtlVars>({
		name: "etl",
		mixins: [DbMixin(dbOptions), DocumentStoreMixin(dbOptions), HealthMixin(), EtlConfigMixin((service) => service.settings as EtlSettings)],
		settings: { rest: "/etl", ...etlSettingsFromEnv(), ...options.settings },

		actions: {
			run: {
				visibility: "published",
				permissions: ["etl:run"],
				rest: "POST /runs",
				params: RunActionParams,
				response: RunResponse,
				async handler(this: EtlThis, ctx: Context<ParamsOf<typeof RunActionParams>>): Promise<ResultOf<typeof RunResponse>> {
					const { source, url, file, wait } = ctx.params;
					if (url && file) throw new EtlError(ETL_ERRORS.BAD_REQUEST, "Give url or file, not both", { source });
					if (principalOf(ctx.meta) !== undefined) checkRemoteRun.call(this, source, { url, file, wait });
					const params: RunParams = { ...(url ? { url } : {}), ...(file ? { file } : {}) };
					const active = await startEtlRun.call(this, source, params);
					return wait ? active.done : active.run;
				}
			},
			cancel: {
				visibility: "published",
				permissions: ["etl:run"],
				rest: "POST /runs/:id/cancel",
				params: RunIdParams,
				response: RunResponse,
				async handler(this: EtlThis, ctx: Context<ParamsOf<typeof RunIdParams>>): Promise<ResultOf<typeof RunResponse>> {
					await this.dbReady();
					const run = await getRun(this.db, ctx.params.id);
					if (!run) throw new RunNotFoundError(ctx.params.id);
					if (run.status !== "queued" && run.status !== "running") {
						throw new EtlError(ETL_ERRORS.RUN_FINISHED, `Run ${run.id} has already ${run.status}`, { id: run.id, status: run.status });
					}
					await requestCancel(this.db, run.id);
					// The node running it hears this at once; the flag in the row covers a node that misses it.
					await this.broker.broadcast(RUN_CANCEL_REQUESTED_EVENT, { id: run.id });
					return (await cancelOrphan(this.db, run.id)) ?? (await getRun(this.db, run.id)) ?? run;
				}
			},
			runs: {
				visibility: "published",
				permissions: ["etl:read"],
				rest: "GET /runs",
				params: ListRunsParams,
				response: RunListResponse,
				async handler(this: EtlThis, ctx: Context<ParamsOf<typeof ListRunsParams>>): Promise<ResultOf<typeof RunListResponse>> {
					await this.dbReady();
					const { source, status, limit, offset } = ctx.params;
					return { runs: await listRuns(this.db, { ...(source ? { source } : {}), ...(status ? { status } : {}), limit, offset }) };
				}
			},
			issues: {
				visibility: "published",
				permissions: ["etl:read"],
				rest: "GET /issues",
				params: ListIssuesParams,
				response: IssueListResponse,
				async handler(this: EtlThis, ctx: Context<ParamsOf<typeof ListIssuesParams>>): Promise<ResultOf<typeof IssueListResponse>> {
					await this.dbReady();
					const { source, run, limit, offset } = ctx.params;
					const { issues, total } = await listIssues(this.db, { ...(source ? { source } : {}), ...(run ? { runId: run } : {}), limit, offset });
					return listPage("/api/v1/etl/issues", { source, run, limit, offset }, issues, total);
				}
			},
			// For monitoring's alert rules (failed run, stale data): the latest runs per source and the schedules.
			sourceStatus: {
				visibility: "public",
				async handler(this: EtlThis): Promise<{ sources: (SourceRunStatus & { cron: string | null })[] }> {
					await this.dbReady();
					const statuses = new Map((await sourceRunStatuses(this.db)).map((s) => [s.source, s]));
					// The schedules in force: the config service's, live (etl.config.ts).
					const crons = new Map(configOf(this, ETL_CONFIG).get("etl.schedules").map((s) => [s.source as string, s.cron]));
					return {
						sources: SOURCE_NAMES.map((source) => ({
							...(statuses.get(source) ?? { source, lastFinished: null, lastSucceededAt: null, firstRunAt: null }),
							cron: crons.get(source) ?? null
						}))
					};
				}
			},
			get: {
				visibility: "published",
				permissions: ["etl:read"],
				rest: "GET /runs/:id",
				params: RunIdParams,
				response: RunDetailResponse,
				async handler(this: EtlThis, ctx: Context<ParamsOf<typeof RunIdParams>>): Promise<ResultOf<typeof RunDetailResponse>> {
					await this.dbReady();
					const run = await getRun(this.db, ctx.params.id);
					if (!run) throw new RunNotFoundError(ctx.params.id);
					const checkpoint = await getCheckpoint(this.db, run.id);
					return { ...run, checkpoint: checkpoint?.position ?? null, issues: await runIssues(this.db, run.id, 100) };
				}
			}
		},

		events: {
			[RUN_CANCEL_REQUESTED_EVENT]: {
				params: CancelRequestedPayload,
				handler(this: EtlThis, ctx: Context<ParamsOf<typeof CancelRequestedPayload>>): void {
					this.active.get(ctx.params.id)?.controller.abort(new RunCancelled("cancelled by an operator"));
				}
			},
			// Both: Moleculer's own view from this node, and health's (which may see a departure first).
			"$node.disconnected"(this: EtlThis, ctx: Context<{ node: { id: string }; unexpected: boolean }>): Promise<void> {
				return holderLeft.call(this, ctx.params.node.id, ctx.params.unexpected ? "stopped sending heartbeats" : "left gracefully");
			},
			[STATUS_CHANGED_EVENT](this: EtlThis, ctx: Context<Transition>): Promise<void> | undefined {
				const t = ctx.params;
				return t.kind === "node" && t.to === "down" ? holderLeft.call(this, t.id, `seen down by ${t.observer}${t.reason ? `: ${t.reason}` : ""}`) : undefined;
			}
		},

		created(this: EtlThis): void {
			this.active = new Map();
			this.stopSchedules = () => undefined;
			this.stopping = false;
		},

		async started(this: EtlThis): Promise<void> {
			// Schedules whose tick is still starting a run: a later tick skips rather than queue behind it.
			const starting = new Set<Schedule>();
			this.stopSchedules = followSchedules(this, (schedules) => startSchedules(schedules, (schedule, slot) => {
				if (starting.has(schedule)) {
					this.logger.warn(`Scheduled ${schedule.source} run skipped (${schedule.cron}): the previous tick is still starting`);
					return;
				}
				starting.add(schedule);
				void startEtlRun.call(this, schedule.source, schedule.params ?? {}, slot).then(
					(active) => this.logger.info(`Scheduled ${schedule.source} run ${active.run.id} started (${schedule.cron})`),
					(err: unknown) => {
						// Another node holds the lease or already ran this slot: that is the schedule working.
						if (err instanceof Errors.MoleculerError && err.code === 409) this.logger.debug(`Scheduled ${schedule.source} run: ${err.message}`);
						else if (err instanceof DatabaseUnavailableError) this.logger.warn(`Scheduled ${schedule.source} run skipped (${schedule.cron}): ${err.message} (${err.reason})`);
						else this.logger.warn(`Scheduled ${schedule.source} run failed to start: ${err instanceof Error ? err.message : String(err)}`);
					}
				).finally(() => starting.delete(schedule));
			}));
		},

		async stopped(this: EtlThis): Promise<void> {
			this.stopping = true;
			this.stopSchedules();
			// A graceful stop hands running runs over: the next run of the source resumes from the checkpoint.
			// The document store closes after this (DocumentStoreMixin stops after the service's own handler).
			for (const active of this.active.values()) active.controller.abort(new NodeStopping("the node is stopping"));
			await Promise.allSettled([...this.active.values()].map((a) => a.done));
		}
	});
}

export default EtlService();
