/**
 * `web`: the public data API, read side (issue 11; routes and contracts in README.md "Public
 * routes"). Every action is published to anyone (`permissions: ["public"]`), answers from the ETL's
 * tables (schema `etl`, read only: DbMixin `reads`), and is cached by Moleculer's cacher per action
 * and params; services/shared/cache-invalidation.ts says when the cache is cleaned. The gateway adds the ETag and
 * `API-Version` headers (gateway/etag.ts).
 *
 * Handlers only orchestrate: SQL lives in stores/, params in params.ts (zod, strict: an unknown
 * filter is a 422 naming it), the list shape in pages.ts.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { DbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { DocumentStoreMixin, type DocumentStoreVars } from "../../mixins/document-store.mixin.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { type ServiceThis, defineService } from "../../runtime/define-service.ts";
import type { Env } from "../../runtime/env.ts";
import type { DatabaseConfig, SqlExecutor } from "../../runtime/storage/database.ts";
import type { ParamsOf } from "../../runtime/validation/zod-params.ts";
import { billSource } from "./bill-source.ts";
import { CACHE_CLEAN_EVENTS, CacheInvalidation } from "../shared/cache-invalidation.ts";
import { RUN_PROGRESS_EVENT } from "../etl/etl.contract.ts";
import { STANCE_CHANGED_EVENT } from "./citizen/citizen-events.ts";
import { NotFoundError } from "../shared/read-errors.ts";
import { pageOf } from "./pages.ts";
import {
	BallotsParams,
	BillParams,
	BillsParams,
	PartiesParams,
	PoliticianParams,
	PoliticiansParams,
	RidingParams,
	RidingsParams,
	SearchParams,
	SessionsParams,
	SourcesParams,
	VoteParams,
	VotesParams
} from "./params.ts";
import { stanceCounts } from "./stance-counts.ts";
import { ExportActionsMixin } from "./export/export.mixin.ts";
import { CitizenActionsMixin } from "./citizen/citizen.mixin.ts";
import { listBallots } from "./stores/ballots-store.ts";
import { getBill, listBills, toSummary } from "./stores/bills-store.ts";
import { getPolitician, listPoliticians, politicianExists } from "./stores/politicians-store.ts";
import { votingRecord } from "./stores/record-store.ts";
import { getRiding, listParties, listRidings, listSessions } from "./stores/reference-store.ts";
import { search } from "./stores/search-store.ts";
import { sourceStatuses } from "./stores/sources-store.ts";
import { getVote, listVotes } from "./stores/votes-store.ts";
import { latestBallots } from "./stores/latest-ballots.ts";

export interface WebServiceOptions {
	database?: DatabaseConfig;
	env?: Env;
}

/** What a web service holds while it runs, set in `created` (DbMixin and DocumentStoreMixin add theirs). */
interface WebVars extends DbService, DocumentStoreVars {
	invalidation: CacheInvalidation;
}

type WebThis = ServiceThis<ServiceSettingSchema, WebVars>;

/**
 * Runs one read: waits (bounded) for the database, and tells the invalidation which generation
 * the answer was read in, so an answer read before a commit is not left in the cache after it.
 */
async function read<T>(service: WebThis, work: (db: SqlExecutor) => Promise<T>): Promise<T> {
	await service.dbReady();
	const startedIn = service.invalidation.generation;
	const result = await work(service.db);
	service.invalidation.settle(startedIn);
	return result;
}

/** What every read action shares: public, published, cached per params. */
const PUBLIC_READ = { visibility: "published", permissions: ["public"], cache: true } as const;

export function WebService(options: WebServiceOptions = {}): ServiceSchema {
	const dbOptions = { reads: ["etl"], ...(options.database ? { database: options.database } : {}), ...(options.env ? { env: options.env } : {}) };
	const storeOptions = { ...(options.database ? { database: options.database } : {}), ...(options.env ? { env: options.env } : {}) };
	return defineService<ServiceSettingSchema, WebVars>({
		name: "web",
		// Export and citizen routes live in their own modules (export/, citizen/), mixed in here. The
		// document store opens in the background: a bill's lineage lacks its fetch time until it has,
		// and web serves without it (no health check of its own).
		mixins: [DbMixin(dbOptions), DocumentStoreMixin({ ...storeOptions, healthCheck: false }), HealthMixin(), ExportActionsMixin(), CitizenActionsMixin()],
		settings: { rest: "/" },

		actions: {
			bills: {
				...PUBLIC_READ,
				rest: "GET /bills",
				params: BillsParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof BillsParams>>) {
					return read(this, async (db) => {
						const { objects, total } = await listBills(db, ctx.params);
						return pageOf("/bills", ctx.params, objects, total);
					});
				}
			},
			bill: {
				...PUBLIC_READ,
				rest: "GET /bills/:session/:number",
				params: BillParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof BillParams>>) {
					return read(this, async (db) => {
						const found = await getBill(db, ctx.params);
						if (!found) throw new NotFoundError("bill", `${ctx.params.session}/${ctx.params.number}`);
						const { bill, stages, votes } = found;
						return {
							...toSummary(bill),
							stages,
							votes: votes.map((v) => ({ ...v, url: `/api/v1/votes/${v.session}/${v.number}` })),
							stances: await stanceCounts(db, bill.session, bill.number),
							source: await billSource(this.documents, bill)
						};
					});
				}
			},
			politicians: {
				...PUBLIC_READ,
				rest: "GET /politicians",
				params: PoliticiansParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof PoliticiansParams>>) {
					return read(this, async (db) => {
						const { objects, total } = await listPoliticians(db, ctx.params);
						return pageOf("/politicians", { ...ctx.params, include: ctx.params.include === "current" ? undefined : ctx.params.include }, objects, total);
					});
				}
			},
			politician: {
				...PUBLIC_READ,
				rest: "GET /politicians/:slug",
				params: PoliticianParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof PoliticianParams>>) {
					return read(this, async (db) => {
						const politician = await getPolitician(db, ctx.params.slug);
						if (!politician) throw new NotFoundError("politician", ctx.params.slug);
						const record = await votingRecord(db, ctx.params.slug);
						return {
							...politician,
							latest_ballots: await latestBallots(db, ctx.params.slug, 10),
							record: { overall: record.overall, sessions: record.sessions, url: `${politician.url}/record` }
						};
					});
				}
			},
			record: {
				...PUBLIC_READ,
				rest: "GET /politicians/:slug/record",
				params: PoliticianParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof PoliticianParams>>) {
					return read(this, async (db) => {
						if (!(await politicianExists(db, ctx.params.slug))) throw new NotFoundError("politician", ctx.params.slug);
						return { politician: { slug: ctx.params.slug, url: `/api/v1/politicians/${ctx.params.slug}` }, ...(await votingRecord(db, ctx.params.slug)) };
					});
				}
			},
			votes: {
				...PUBLIC_READ,
				rest: "GET /votes",
				params: VotesParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof VotesParams>>) {
					return read(this, async (db) => {
						const { objects, total } = await listVotes(db, ctx.params);
						return pageOf("/votes", ctx.params, objects, total);
					});
				}
			},
			vote: {
				...PUBLIC_READ,
				rest: "GET /votes/:session/:number",
				params: VoteParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof VoteParams>>) {
					return read(this, async (db) => {
						const vote = await getVote(db, ctx.params);
						if (!vote) throw new NotFoundError("vote", `${ctx.params.session}/${ctx.params.number}`);
						return vote;
					});
				}
			},
			ballots: {
				...PUBLIC_READ,
				rest: "GET /ballots",
				params: BallotsParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof BallotsParams>>) {
					return read(this, async (db) => {
						const { objects, total } = await listBallots(db, ctx.params);
						return pageOf("/ballots", ctx.params, objects, total);
					});
				}
			},
			parties: {
				...PUBLIC_READ,
				rest: "GET /parties",
				params: PartiesParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof PartiesParams>>) {
					return read(this, async (db) => {
						const { objects, total } = await listParties(db, ctx.params);
						return pageOf("/parties", ctx.params, objects, total);
					});
				}
			},
			ridings: {
				...PUBLIC_READ,
				rest: "GET /ridings",
				params: RidingsParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof RidingsParams>>) {
					return read(this, async (db) => {
						const { objects, total } = await listRidings(db, ctx.params);
						return pageOf("/ridings", ctx.params, objects, total);
					});
				}
			},
			riding: {
				...PUBLIC_READ,
				// An OCD id holds slashes: clients encode them (`ocd-division%2Fcountry:ca%2Fed:35001-2023`).
				rest: "GET /ridings/:ocd_id",
				params: RidingParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof RidingParams>>) {
					return read(this, async (db) => {
						const riding = await getRiding(db, ctx.params.ocd_id);
						if (!riding) throw new NotFoundError("riding", ctx.params.ocd_id);
						return riding;
					});
				}
			},
			sessions: {
				...PUBLIC_READ,
				rest: "GET /sessions",
				params: SessionsParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof SessionsParams>>) {
					return read(this, async (db) => {
						const { objects, total } = await listSessions(db, ctx.params);
						return pageOf("/sessions", ctx.params, objects, total);
					});
				}
			},
			search: {
				...PUBLIC_READ,
				rest: "GET /search",
				params: SearchParams,
				handler(this: WebThis, ctx: Context<ParamsOf<typeof SearchParams>>) {
					return read(this, async (db) => {
						const { objects, total } = await search(db, ctx.params);
						return pageOf("/search", ctx.params, objects, total);
					});
				}
			},
			sources: {
				...PUBLIC_READ,
				// Not cached: its ages are counted at the moment of the answer.
				cache: false,
				rest: "GET /sources",
				params: SourcesParams,
				handler(this: WebThis) {
					return read(this, async (db) => ({ objects: await sourceStatuses(db) }));
				}
			}
		},

		events: {
			[RUN_PROGRESS_EVENT]: {
				handler(this: WebThis, ctx: Context<Record<string, unknown>>): Promise<void> {
					return this.invalidation.onRunProgress(ctx.params).then(() => undefined);
				}
			},
			...Object.fromEntries(
				// A citizen's stance too: its counts are on the cached bill.
				[...CACHE_CLEAN_EVENTS, STANCE_CHANGED_EVENT].map((name) => [
					name,
					{
						handler(this: WebThis): Promise<void> {
							return this.invalidation.clean();
						}
					}
				])
			)
		},

		created(this: WebThis): void {
			this.invalidation = new CacheInvalidation(this.broker, "web");
		}
	});
}

export default WebService();
