/**
 * `monitoring`: metrics and alerts (README.md, issue 12).
 *
 * - The cluster-wide `/metrics` is served by the gateway from every node's registry
 *   (metrics/cluster-scrape.ts); this service adds the cluster's own series from the evaluator.
 * - Alert rules (alerts/alert-rules.ts) evaluated by exactly one instance at a time, the holder of
 *   a lease in PostgreSQL (alerts/alert-evaluator.ts); alerts are stored with their history in
 *   schema `monitoring`, deduplicated by rule and subject, and announced as `alert.fired` and
 *   `alert.resolved` (monitoring.contract.ts).
 * - Operators list alerts, acknowledge them and silence them for a while under /api/v1/alerts.
 *
 * Thresholds come from one seam (thresholds.ts), fed by the config service (monitoring.config.ts).
 */
import { type Page, listPage } from "../../runtime/list-page.ts";
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import { z } from "zod";
import { DbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { type ServiceThis, defineService } from "../../runtime/define-service.ts";
import { principalOf } from "../../access/principal.ts";
import { STATUS_CHANGED_EVENT } from "../health/health.contract.ts";
import { type Env, loadEnv } from "../../runtime/env.ts";
import type { DatabaseConfig } from "../../runtime/storage/database.ts";
import { pagination, text } from "../../runtime/validation/fields.ts";
import { type ParamsOf, zodParams } from "../../runtime/validation/zod-params.ts";
import { AlertEvaluator, type EvaluatorStatus } from "./alerts/alert-evaluator.ts";
import { acknowledgeAlert, createSilence, endSilence, evaluatorLease, getAlert, listAlerts, listSilences } from "./alerts/alert-store.ts";
import { ALERT_RULES, ALERT_STATES, type Alert, type Silence } from "./monitoring.contract.ts";
import { type Thresholds, ThresholdSource, parseThresholds } from "./thresholds.ts";
import { MonitoringConfigMixin, followThresholds } from "./monitoring.config.ts";

export interface MonitoringSettings extends ServiceSettingSchema {
	/** Lifetime of the evaluator lease without renewal; another node takes over after it. */
	leaseTtlMs?: number;
	/** Bound of each call that gathers the rules' facts. */
	callTimeoutMs?: number;
}

export interface MonitoringServiceOptions {
	database?: DatabaseConfig;
	env?: Env;
	/** The thresholds' source; the config mixin will provide it (thresholds.ts). */
	thresholds?: ThresholdSource;
	settings?: Partial<MonitoringSettings>;
}

/** What a monitoring service holds while it runs, set in `created` (DbMixin adds its part). */
interface MonitoringVars extends DbService {
	evaluator: AlertEvaluator;
	thresholds: ThresholdSource;
}

type MonitoringThis = ServiceThis<MonitoringSettings, MonitoringVars>;

async function database(service: MonitoringThis): Promise<DbService["db"]> {
	await service.dbReady();
	return service.db;
}

/** Who did it, for acknowledgements and silences: the signed-in user or key, or the console. */
function actorOf(ctx: Context, nodeID: string): string {
	const principal = principalOf(ctx.meta);
	if (principal?.kind === "user") return `user:${principal.userId}`;
	if (principal?.kind === "api-key") return `key:${principal.keyId}`;
	return `console@${ctx.nodeID ?? nodeID}`;
}

function notFound(what: string, id: string): Errors.MoleculerClientError {
	return new Errors.MoleculerClientError(`No ${what} ${id}`, 404, what === "alert" ? "ALERT_NOT_FOUND" : "SILENCE_NOT_FOUND", { id });
}

const Id = z.strictObject({ id: text(64, 1) });

const ListAlerts = z.strictObject({
	state: z.enum([...ALERT_STATES, "active"]).optional(),
	rule: z.enum(ALERT_RULES).optional(),
	subject: text(300, 1).optional(),
	...pagination
});

const Acknowledge = z.strictObject({ id: text(64, 1), comment: text(500).optional() });

/** A week at most: a silence is for an incident or a maintenance window, not a way to turn a rule off. */
const MAX_SILENCE_MINUTES = 7 * 24 * 60;

const CreateSilence = z
	.strictObject({
		rule: z.enum(ALERT_RULES).optional(),
		subject: text(300, 1).optional(),
		reason: text(500, 1),
		minutes: z.number().int().min(1).max(MAX_SILENCE_MINUTES).optional(),
		expiresAt: z.iso.datetime({ offset: true }).optional()
	})
	.refine((s) => (s.minutes === undefined) !== (s.expiresAt === undefined), { message: "Give minutes or expiresAt (one of them)", path: ["minutes"] })
	.refine((s) => s.rule !== undefined || s.subject !== undefined, { message: "Silence a rule, a subject or both, not everything", path: ["rule"] });

const ListSilences = z.strictObject({ all: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]).optional(), limit: pagination.limit });

const IdParams = zodParams(Id);
const ListAlertsParams = zodParams(ListAlerts);
const AcknowledgeParams = zodParams(Acknowledge);
const CreateSilenceParams = zodParams(CreateSilence);
const ListSilencesParams = zodParams(ListSilences);


export function MonitoringService(options: MonitoringServiceOptions = {}): ServiceSchema {
	const dbOptions = { ...(options.database ? { database: options.database } : {}), ...(options.env ? { env: options.env } : {}) };
	return defineService<MonitoringSettings, MonitoringVars>({
		name: "monitoring",
		// Thresholds live in the config service (monitoring.config.ts); ALERT_THRESHOLDS is this node's default.
		mixins: [DbMixin({ schema: "monitoring", ...dbOptions }), HealthMixin(), MonitoringConfigMixin(() => parseThresholds((options.env ?? loadEnv()).alertThresholds))],
		settings: { rest: "/alerts", leaseTtlMs: 3_000, callTimeoutMs: 2_000, ...options.settings },

		actions: {
			alerts: {
				visibility: "published",
				permissions: ["alerts:read"],
				rest: "GET /",
				params: ListAlertsParams,
				async handler(this: MonitoringThis, ctx: Context<ParamsOf<typeof ListAlertsParams>>): Promise<Page<Alert>> {
					const { state, rule, subject, limit, offset } = ctx.params;
					const { alerts, total } = await listAlerts(await database(this), { ...(state ? { state } : {}), ...(rule ? { rule } : {}), ...(subject ? { subject } : {}), limit, offset }, new Date());
					return listPage("/api/v1/alerts", { state, rule, subject, limit, offset }, alerts, total);
				}
			},
			silences: {
				visibility: "published",
				permissions: ["alerts:read"],
				rest: "GET /silences",
				params: ListSilencesParams,
				async handler(this: MonitoringThis, ctx: Context<ParamsOf<typeof ListSilencesParams>>): Promise<{ objects: Silence[] }> {
					return { objects: await listSilences(await database(this), ctx.params.all === true, new Date(), ctx.params.limit) };
				}
			},
			silence: {
				visibility: "published",
				permissions: ["alerts:manage"],
				rest: "POST /silences",
				params: CreateSilenceParams,
				async handler(this: MonitoringThis, ctx: Context<ParamsOf<typeof CreateSilenceParams>>): Promise<Silence> {
					const now = new Date();
					const { rule, subject, reason, minutes, expiresAt } = ctx.params;
					const until = minutes !== undefined ? new Date(now.getTime() + minutes * 60_000) : new Date(expiresAt ?? "");
					if (until.getTime() <= now.getTime() || until.getTime() > now.getTime() + MAX_SILENCE_MINUTES * 60_000) {
						throw new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [
							{ field: "expiresAt", type: "range", message: "A silence ends in the future, at most 7 days from now" }
						]);
					}
					const silence = await createSilence(await database(this), { rule: rule ?? null, subject: subject ?? null, reason, createdBy: actorOf(ctx, this.broker.nodeID), expiresAt: until }, now);
					this.logger.info(`Silence ${silence.id} (${silence.rule ?? "any rule"} / ${silence.subject ?? "any subject"}) until ${silence.expiresAt} by ${silence.createdBy}: ${reason}`);
					return silence;
				}
			},
			unsilence: {
				visibility: "published",
				permissions: ["alerts:manage"],
				rest: "DELETE /silences/:id",
				params: IdParams,
				async handler(this: MonitoringThis, ctx: Context<ParamsOf<typeof IdParams>>): Promise<Silence> {
					const silence = await endSilence(await database(this), ctx.params.id, new Date());
					if (!silence) throw notFound("silence", ctx.params.id);
					// Alerts it held back are announced at the next evaluation.
					return silence;
				}
			},
			status: {
				visibility: "published",
				permissions: ["alerts:read"],
				rest: "GET /status",
				async handler(this: MonitoringThis): Promise<{ evaluator: string | null; lease: Awaited<ReturnType<typeof evaluatorLease>>; thisNode: EvaluatorStatus; thresholds: Thresholds }> {
					const lease = await evaluatorLease(await database(this));
					return { evaluator: lease?.holder ?? null, lease, thisNode: this.evaluator.status(), thresholds: this.thresholds.current() };
				}
			},
			alert: {
				visibility: "published",
				permissions: ["alerts:read"],
				rest: "GET /:id",
				params: IdParams,
				async handler(this: MonitoringThis, ctx: Context<ParamsOf<typeof IdParams>>) {
					const alert = await getAlert(await database(this), ctx.params.id, new Date());
					if (!alert) throw notFound("alert", ctx.params.id);
					return alert;
				}
			},
			acknowledge: {
				visibility: "published",
				permissions: ["alerts:manage"],
				rest: "POST /:id/acknowledge",
				params: AcknowledgeParams,
				async handler(this: MonitoringThis, ctx: Context<ParamsOf<typeof AcknowledgeParams>>): Promise<Alert> {
					const outcome = await acknowledgeAlert(await database(this), ctx.params.id, actorOf(ctx, this.broker.nodeID), ctx.params.comment, new Date(), this.broker.nodeID);
					if (outcome.ok) return outcome.alert;
					if (outcome.reason === "not-found") throw notFound("alert", ctx.params.id);
					throw new Errors.MoleculerClientError(`Alert ${ctx.params.id} is already resolved`, 409, "ALERT_RESOLVED", { id: ctx.params.id });
				}
			},
			/** The console and tests: evaluate now on this node if it holds the lease. */
			evaluate: {
				visibility: "public",
				async handler(this: MonitoringThis): Promise<EvaluatorStatus> {
					const { evaluator } = this;
					await evaluator.evaluateNow();
					return evaluator.status();
				}
			}
		},

		events: {
			// A transition is news for node-down and replica rules: evaluate now, not at the next tick.
			[STATUS_CHANGED_EVENT](this: MonitoringThis): void {
				this.evaluator.requestEvaluation();
			}
		},

		created(this: MonitoringThis): void {
			const env = options.env ?? loadEnv();
			const thresholds = options.thresholds ?? new ThresholdSource(parseThresholds(env.alertThresholds));
			const evaluator = new AlertEvaluator({
				broker: this.broker,
				logger: this.logger,
				// Background work: wait for the database however long it is away.
				db: () => this.dbReady(Number.POSITIVE_INFINITY).then(() => this.db),
				// DbMixin's `db` is undefined until the database has come up, whatever its type says.
				openDb: () => this.db as DbService["db"] | undefined,
				thresholds,
				leaseTtlMs: this.settings.leaseTtlMs ?? 3_000,
				callTimeoutMs: this.settings.callTimeoutMs ?? 2_000
			});
			this.evaluator = evaluator;
			this.thresholds = thresholds;
		},

		started(this: MonitoringThis): void {
			// An injected source (tests) is the test's own; otherwise the config service feeds it.
			if (!options.thresholds) followThresholds(this, this.thresholds);
			this.evaluator.start();
		},

		async stopped(this: MonitoringThis): Promise<void> {
			await this.evaluator.stop();
		}
	});
}

export default MonitoringService();
