/**
 * `CitizenActionsMixin()`: a signed-in citizen's follows and stances (README.md "Public data").
 *
 *   GET    /api/v1/me/follows               the caller's follows, in the list shape
 *   POST   /api/v1/me/follows               { "bill": "44-1/C-10" } | { "politician": "<slug>" } | { "search": "<words>" }
 *   GET    /api/v1/me/follows/{id}          one of the caller's follows
 *   DELETE /api/v1/me/follows/{id}          204
 *   PUT    /api/v1/bills/{session}/{number}/stance   { "stance": "support" | "oppose" }
 *   DELETE /api/v1/bills/{session}/{number}/stance
 *
 * All need `follows:write` (citizens and up; anonymous callers get 401, API keys 403). A POST of
 * something already followed answers 200 with the existing follow instead of 409, so a client
 * that retries after a lost answer gets the same result (decision 0018); a new one answers 201.
 * Another user's follow answers 404, like one that does not exist. The host service provides
 * `this.db` (DbMixin, schema `web`, reads `etl`) and `settings.rest: "/"`.
 */
import { listPage } from "../../../runtime/list-page.ts";
import type { Context, Service, ServiceSchema } from "moleculer";
import { Errors } from "moleculer";
import type { DbService } from "../../../mixins/db.mixin.ts";
import { principalOf } from "../../../access/principal.ts";
import {
	CreateFollowParams,
	DeleteStanceParams,
	FollowIdParams,
	ListFollowsParams,
	PutStanceParams
} from "./citizen-params.ts";
import type { ParamsOf } from "../../../runtime/validation/zod-params.ts";
import { FOLLOW_CREATED_EVENT, FOLLOW_DELETED_EVENT, type FollowEvent, STANCE_CHANGED_EVENT, type StanceEvent } from "./citizen-events.ts";
import {
	type Follow,
	type FollowKind,
	type Stance,
	type StanceCounts,
	addFollow,
	billExists,
	clearStance,
	countFollows,
	deleteFollow,
	getFollow,
	listFollows,
	politicianExists,
	setStance,
	stanceCounts
} from "./citizen-store.ts";

export const FOLLOWS_PATH = "/api/v1/me/follows";
/** Follows one citizen may hold: far above real use, and a bound on what one account can store. */
export const MAX_FOLLOWS_PER_USER = 1_000;
const PERMISSIONS = ["follows:write"];

interface ResponseMeta {
	$statusCode?: number;
	$location?: string;
}

export interface FollowJson {
	id: string;
	kind: FollowKind;
	bill?: string;
	politician?: string;
	search?: string;
	created_at: string;
}

function followJson(follow: Follow): FollowJson {
	return { id: follow.id, kind: follow.kind, [follow.kind]: follow.target, created_at: follow.createdAt.toISOString() };
}

function dbOf(service: Service): DbService {
	return service as unknown as DbService;
}

async function readyDb(service: Service): Promise<DbService["db"]> {
	const db = dbOf(service);
	await db.dbReady();
	return db.db;
}

/** The signed-in user behind a call; the permissions middleware has already refused anyone else. */
function userIdOf(ctx: Context): string {
	const principal = principalOf(ctx.meta);
	if (principal?.kind !== "user") throw new Errors.MoleculerClientError("Sign in to use this route", 401, "UNAUTHORIZED");
	return principal.userId;
}

function notFound(message: string): Errors.MoleculerClientError {
	return new Errors.MoleculerClientError(message, 404, "NOT_FOUND");
}

function followEvent(userId: string, follow: Follow): FollowEvent {
	return { id: follow.id, userId, kind: follow.kind, target: follow.target, at: new Date().toISOString() };
}

export function CitizenActionsMixin(): Partial<ServiceSchema> {
	const common = { visibility: "published", permissions: PERMISSIONS, cache: false } as const;
	return {
		actions: {
			listFollows: {
				...common,
				rest: "GET /me/follows",
				params: ListFollowsParams,
				async handler(this: Service, ctx: Context<ParamsOf<typeof ListFollowsParams>>) {
					const userId = userIdOf(ctx);
					const { limit, offset } = ctx.params;
					const { follows, total } = await listFollows(await readyDb(this), userId, limit, offset);
					return listPage(FOLLOWS_PATH, { limit, offset }, follows.map(followJson), total);
				}
			},

			createFollow: {
				...common,
				rest: "POST /me/follows",
				params: CreateFollowParams,
				async handler(this: Service, ctx: Context<ParamsOf<typeof CreateFollowParams>, ResponseMeta>): Promise<FollowJson> {
					const userId = userIdOf(ctx);
					const db = await readyDb(this);
					const { bill, politician, search } = ctx.params;
					let kind: FollowKind;
					let target: string;
					if (bill) {
						if (!(await billExists(db, bill.session, bill.number))) throw notFound(`No bill ${bill.number} in session ${bill.session}`);
						[kind, target] = ["bill", `${bill.session}/${bill.number}`];
					} else if (politician) {
						if (!(await politicianExists(db, politician))) throw notFound(`No politician ${politician}`);
						[kind, target] = ["politician", politician];
					} else {
						[kind, target] = ["search", search ?? ""];
					}
					if ((await countFollows(db, userId)) >= MAX_FOLLOWS_PER_USER) {
						throw new Errors.MoleculerClientError(`At most ${MAX_FOLLOWS_PER_USER} follows per account`, 409, "FOLLOW_LIMIT_REACHED");
					}
					const { follow, created } = await addFollow(db, userId, kind, target);
					ctx.meta.$statusCode = created ? 201 : 200;
					ctx.meta.$location = `${FOLLOWS_PATH}/${follow.id}`;
					if (created) await ctx.emit<FollowEvent>(FOLLOW_CREATED_EVENT, followEvent(userId, follow));
					return followJson(follow);
				}
			},

			getFollow: {
				...common,
				rest: "GET /me/follows/:id",
				params: FollowIdParams,
				async handler(this: Service, ctx: Context<ParamsOf<typeof FollowIdParams>>): Promise<FollowJson> {
					const follow = await getFollow(await readyDb(this), userIdOf(ctx), ctx.params.id);
					if (!follow) throw notFound("No such follow");
					return followJson(follow);
				}
			},

			deleteFollow: {
				...common,
				rest: "DELETE /me/follows/:id",
				params: FollowIdParams,
				async handler(this: Service, ctx: Context<ParamsOf<typeof FollowIdParams>, ResponseMeta>): Promise<null> {
					const userId = userIdOf(ctx);
					const follow = await deleteFollow(await readyDb(this), userId, ctx.params.id);
					if (!follow) throw notFound("No such follow");
					await ctx.emit<FollowEvent>(FOLLOW_DELETED_EVENT, followEvent(userId, follow));
					ctx.meta.$statusCode = 204;
					return null;
				}
			},

			putStance: {
				...common,
				rest: "PUT /bills/:session/:number/stance",
				params: PutStanceParams,
				async handler(this: Service, ctx: Context<ParamsOf<typeof PutStanceParams>>) {
					const { session, number, stance } = ctx.params;
					return changeStance(this, ctx, session, number, stance);
				}
			},

			deleteStance: {
				...common,
				rest: "DELETE /bills/:session/:number/stance",
				params: DeleteStanceParams,
				async handler(this: Service, ctx: Context<ParamsOf<typeof DeleteStanceParams>>) {
					const { session, number } = ctx.params;
					return changeStance(this, ctx, session, number, null);
				}
			}
		}
	};
}

export interface StanceJson {
	bill: string;
	stance: Stance | null;
	counts: StanceCounts;
}

async function changeStance(service: Service, ctx: Context, session: string, number: string, stance: Stance | null): Promise<StanceJson> {
	const userId = userIdOf(ctx);
	const db = await readyDb(service);
	if (!(await billExists(db, session, number))) throw notFound(`No bill ${number} in session ${session}`);
	const changed = stance === null ? await clearStance(db, userId, session, number) : (await setStance(db, userId, session, number, stance), true);
	const bill = `${session}/${number}`;
	if (changed) await ctx.emit<StanceEvent>(STANCE_CHANGED_EVENT, { userId, bill, stance, at: new Date().toISOString() });
	const counts = (await stanceCounts(db, [bill])).get(bill) ?? { support: 0, oppose: 0 };
	return { bill, stance, counts };
}
