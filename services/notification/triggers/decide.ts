/**
 * Who is told about each source event. Every decision is one outbox transaction
 * (recordDecision): the followers are read on that transaction, so the recipients and the event
 * row commit together, and the event id keeps a redelivered event from adding anything.
 */
import type { Database, SqlExecutor } from "../../../runtime/storage/database.ts";
import type { Alert } from "../../monitoring/monitoring.contract.ts";
import type { SecurityEvent } from "../../auth/auth.contract.ts";
import { prefixQuery, tsquerySql } from "../../shared/text-query.ts";
import type { FollowEvent } from "../notification.contract.ts";
import { type NoticeEvent, type RecordedDecision, recordDecision } from "../outbox/outbox-store.ts";
import { followedPoliticians, followersOf, markWelcomed, operators, savedSearches, searchFollowers } from "../stores/recipient-store.ts";
import { type FieldChange, alertNotice, ballotNotice, billStatusNotice, billVoteNotice, searchMatchNotice, securityNotice, voteFacts, webhookDisabledNotice, welcomeNotice } from "./notices.ts";
import type { DeviceDirectory } from "../notification.contract.ts";
import { type PlanContext, lookupDevices, planDeliveries } from "./plan-deliveries.ts";

export interface DecideContext extends PlanContext {
	devices: DeviceDirectory;
}

export class NoticeDecider {
	readonly #db: Database;
	readonly #ctx: DecideContext;

	constructor(db: Database, ctx: DecideContext) {
		this.#db = db;
		this.#ctx = ctx;
	}

	/**
	 * The notice to the users `audience` names, read on the decision's transaction. Their devices
	 * are asked for first, outside it, of the users `candidates` names (by default a read of the
	 * audience; an audience with side effects names its candidates itself).
	 */
	async decide(notice: NoticeEvent, audience: (tx: SqlExecutor) => Promise<readonly string[]>, candidates: (db: SqlExecutor) => Promise<readonly string[]> = audience): Promise<RecordedDecision> {
		const devices = await lookupDevices(this.#ctx.devices, await candidates(this.#db));
		return recordDecision(this.#db, notice, async (tx) => planDeliveries(tx, notice, await audience(tx), this.#ctx, devices));
	}

	async billUpdated(payload: { session: string; number: string; changes: Record<string, FieldChange> }): Promise<RecordedDecision[]> {
		const notice = billStatusNotice(this.#ctx.publicUrl, payload);
		if (!notice) return [];
		return [await this.decide(notice, (tx) => followersOf(tx, "bill", `${payload.session}/${payload.number}`))];
	}

	async billCreated(payload: { session: string; number: string; bill: Record<string, unknown> }): Promise<RecordedDecision[]> {
		const searches = await savedSearches(this.#db);
		if (searches.length === 0) return [];
		const queries = searches.map((s) => {
			try {
				return prefixQuery(s, "search");
			} catch {
				return null;
			}
		});
		const usable = searches.filter((_, i) => queries[i] !== null);
		const { rows } = await this.#db.query<{ target: string }>(
			`SELECT t.target FROM unnest($3::text[], $4::text[]) AS t(target, q), etl.bills b
			WHERE b.session = $1 AND b.number = $2 AND b.search @@ ${tsquerySql("t.q")}`,
			[payload.session, payload.number, usable, queries.filter((q): q is string => q !== null)]
		);
		const bill = { session: payload.session, number: payload.number, titleEn: String(payload.bill.titleEn ?? payload.number), titleFr: typeof payload.bill.titleFr === "string" ? payload.bill.titleFr : null };
		const out: RecordedDecision[] = [];
		for (const { target } of rows) {
			const notice = searchMatchNotice(this.#ctx.publicUrl, bill, target);
			out.push(await this.decide(notice, async (tx) => (await searchFollowers(tx, [target])).map((f) => f.userId)));
		}
		return out;
	}

	async voteRecorded(payload: { session: string; number: number; vote: Record<string, unknown> }): Promise<RecordedDecision[]> {
		const vote = voteFacts(payload.vote, payload.session, payload.number);
		const out: RecordedDecision[] = [];
		const billNotice = billVoteNotice(this.#ctx.publicUrl, vote);
		if (billNotice && vote.billNumber) {
			const bill = `${vote.session}/${vote.billNumber}`;
			out.push(await this.decide(billNotice, (tx) => followersOf(tx, "bill", bill)));
		}
		const followed = await followedPoliticians(this.#db);
		if (followed.length === 0) return out;
		const { rows } = await this.#db.query<{ politician_slug: string; ballot: string; dissent: boolean | null; name: string | null }>(
			`SELECT b.politician_slug, b.ballot, b.dissent, p.name FROM etl.ballots b LEFT JOIN etl.politicians p ON p.slug = b.politician_slug
			WHERE b.session = $1 AND b.vote_number = $2 AND b.politician_slug = ANY ($3::text[])`,
			[vote.session, vote.number, followed]
		);
		for (const row of rows) {
			const notice = ballotNotice(this.#ctx.publicUrl, vote, { slug: row.politician_slug, name: row.name ?? row.politician_slug, ballot: row.ballot, dissent: row.dissent });
			out.push(await this.decide(notice, (tx) => followersOf(tx, "politician", row.politician_slug)));
		}
		return out;
	}

	security(event: SecurityEvent): Promise<RecordedDecision> {
		return this.decide(securityNotice(this.#ctx.publicUrl, event), () => Promise.resolve([event.userId]));
	}

	alert(alert: Alert, transition: "fired" | "resolved"): Promise<RecordedDecision> {
		return this.decide(alertNotice(this.#ctx.publicUrl, alert, transition), (tx) => operators(tx));
	}

	/** The first follow of a user says where notices go (issue 14). */
	async followCreated(follow: FollowEvent): Promise<RecordedDecision | undefined> {
		const notice = welcomeNotice(this.#ctx.publicUrl, follow);
		let first = false;
		const decision = await this.decide(
			notice,
			async (tx) => {
				first = await markWelcomed(tx, follow.userId);
				return first ? [follow.userId] : [];
			},
			() => Promise.resolve([follow.userId])
		);
		return first ? decision : undefined;
	}

	webhookDisabled(hook: { id: string; url: string; ownerUserId: string | null; failingSince: Date | null; disabledReason: string | null }): Promise<RecordedDecision> {
		return this.decide(webhookDisabledNotice(this.#ctx.publicUrl, hook), () => Promise.resolve(hook.ownerUserId ? [hook.ownerUserId] : []));
	}
}
