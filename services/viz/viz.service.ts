/**
 * `viz`: Plotly figures (`{ data, layout }`, issue 13) of the ETL's data, under /api/v1/charts.
 * Public, cached per action and params by Moleculer's cacher, and cleaned like the web API's
 * answers (services/shared/cache-invalidation.ts: on each committed ETL batch and domain event).
 * Figures are built in figures/, each from one query; the voting record's SQL is the shared one.
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { DbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import type { Env } from "../../runtime/env.ts";
import type { DatabaseConfig, SqlExecutor } from "../../runtime/storage/database.ts";
import type { ParamsOf } from "../../runtime/validation/zod-params.ts";
import { CACHE_CLEAN_EVENTS, CacheInvalidation } from "../shared/cache-invalidation.ts";
import { RUN_PROGRESS_EVENT } from "../etl/etl.contract.ts";
import { NotFoundError } from "../shared/read-errors.ts";
import { activityFigure } from "./figures/activity.ts";
import { agreementFigure } from "./figures/agreement.ts";
import { billStagesFigure } from "./figures/bill-stages.ts";
import type { Figure } from "./figures/figure.ts";
import { voteByPartyFigure } from "./figures/vote-by-party.ts";
import { ActivityParams, AgreementParams, BillStagesParams, VoteChartParams } from "./params.ts";

export interface VizServiceOptions {
	database?: DatabaseConfig;
	env?: Env;
}

type VizThis = Service<ServiceSettingSchema>;

const invalidations = new WeakMap<VizThis, CacheInvalidation>();

function invalidationOf(service: VizThis): CacheInvalidation {
	const invalidation = invalidations.get(service);
	if (!invalidation) throw new Error("The viz service was used before it was created");
	return invalidation;
}

function dbOf(service: VizThis): DbService {
	return service as unknown as DbService;
}

/** As the web service reads: the answer notes the generation it was read in, so a clean during the read is not undone by its caching. */
async function read<T>(service: VizThis, work: (db: SqlExecutor) => Promise<T>): Promise<T> {
	await dbOf(service).dbReady();
	const invalidation = invalidationOf(service);
	const startedIn = invalidation.generation;
	const result = await work(dbOf(service).db);
	invalidation.settle(startedIn);
	return result;
}

const PUBLIC_CHART = { visibility: "published", permissions: ["public"], cache: true } as const;

export function VizService(options: VizServiceOptions = {}): ServiceSchema {
	const dbOptions = { reads: ["etl"], ...(options.database ? { database: options.database } : {}), ...(options.env ? { env: options.env } : {}) };
	return {
		name: "viz",
		mixins: [DbMixin(dbOptions), HealthMixin()],
		settings: { rest: "/charts" },

		actions: {
			vote: {
				...PUBLIC_CHART,
				rest: "GET /votes/:session/:number",
				params: VoteChartParams,
				handler(this: VizThis, ctx: Context<ParamsOf<typeof VoteChartParams>>): Promise<Figure> {
					return read(this, async (db) => {
						const figure = await voteByPartyFigure(db, ctx.params.session, ctx.params.number, ctx.params.lang);
						if (!figure) throw new NotFoundError("vote", `${ctx.params.session}/${ctx.params.number}`);
						return figure;
					});
				}
			},
			billStages: {
				...PUBLIC_CHART,
				rest: "GET /bills/stages",
				params: BillStagesParams,
				handler(this: VizThis, ctx: Context<ParamsOf<typeof BillStagesParams>>): Promise<Figure> {
					return read(this, (db) => billStagesFigure(db, ctx.params.session, ctx.params.lang));
				}
			},
			agreement: {
				...PUBLIC_CHART,
				rest: "GET /politicians/:slug/agreement",
				params: AgreementParams,
				handler(this: VizThis, ctx: Context<ParamsOf<typeof AgreementParams>>): Promise<Figure> {
					return read(this, async (db) => {
						const figure = await agreementFigure(db, ctx.params.slug, ctx.params.lang);
						if (!figure) throw new NotFoundError("politician", ctx.params.slug);
						return figure;
					});
				}
			},
			activity: {
				...PUBLIC_CHART,
				rest: "GET /activity",
				params: ActivityParams,
				handler(this: VizThis, ctx: Context<ParamsOf<typeof ActivityParams>>): Promise<Figure> {
					return read(this, (db) => activityFigure(db, ctx.params.session, ctx.params.lang));
				}
			}
		},

		events: {
			[RUN_PROGRESS_EVENT]: {
				handler(this: VizThis, ctx: Context<Record<string, unknown>>): Promise<void> {
					return invalidationOf(this).onRunProgress(ctx.params).then(() => undefined);
				}
			},
			...Object.fromEntries(
				CACHE_CLEAN_EVENTS.map((name) => [
					name,
					{
						handler(this: VizThis): Promise<void> {
							return invalidationOf(this).clean();
						}
					}
				])
			)
		},

		created(this: VizThis): void {
			invalidations.set(this, new CacheInvalidation(this.broker, "viz"));
		}
	};
}

export default VizService();
