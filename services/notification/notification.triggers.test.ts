/**
 * The triggers and channels notification.http.test.ts leaves out, over the real broker and HTTP
 * on PostgreSQL 15 and PGlite: push through the mobile service's contract (no provider here, so
 * deliveries are recorded as skipped), a followed politician's ballot, a saved search matching a
 * new bill, and a webhook that fails for more than a day (the notification clock is moved; nothing waits a day).
 * ETL rows are written directly: these tests are about the decisions made from the ETL's events.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthNode, TestClock, startAuthNode } from "../../test/kits/auth-test-kit.ts";
import type { DbService } from "../../mixins/db.mixin.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { MobileService } from "../mobile/mobile.service.ts";
import { NotificationService } from "./notification.service.ts";
import { SmtpSink, WebhookReceiver } from "./test-kit/receivers.ts";

const LINEAGE = "'test', 'test', 'h', 'h'";
const DAY_MS = 24 * 3_600_000;

interface Row {
	userId: string | null;
	channel: string;
	target: string;
	status: string;
	lastError: string | null;
}

describe.each(BACKENDS)("notification triggers on $name", (backend) => {
	let created: TestDatabase;
	let node: AuthNode;
	let broker: ServiceBroker;
	const smtp = new SmtpSink();
	const hooks = new WebhookReceiver();
	const clock = new TestClock();

	const db = (): DbService["db"] => (broker.getLocalService("notification") as unknown as DbService).db;
	const follow = (userId: string, kind: string, target: string): Promise<unknown> => db().query("INSERT INTO web.follows (id, user_id, kind, target) VALUES ($1, $2, $3, $4)", [randomUUID(), userId, kind, target]);
	const register = async (name: string): Promise<{ id: string; auth: Record<string, string> }> => {
		const res = await node.post("/api/v1/auth/register", { email: `${name}-${randomUUID().slice(0, 6)}@example.org`, password: "a long passphrase for tests 9", displayName: name });
		expect(res.status).toBe(200);
		const id = (res.body as { user: { id: string } }).user.id;
		return { id, auth: node.bearerFor("citizen", id) };
	};
	const inbox = async (auth: Record<string, string>): Promise<Array<{ kind: string; title: string; body: string }>> => ((await node.get("/api/v1/notifications?limit=100", auth)).body as { objects: Array<{ kind: string; title: string; body: string }> }).objects;
	const deliveries = async (channel: string): Promise<Row[]> => {
		const res = await node.get(`/api/v1/notifications/deliveries?channel=${channel}&limit=100`, node.bearerFor("operator", randomUUID()));
		expect(res.status).toBe(200);
		return (res.body as { objects: Row[] }).objects;
	};
	/** Every delivery of that user's notices is closed (the worker is done with them). */
	const settled = async (userId: string): Promise<boolean> => {
		const { rows } = await db().query<{ n: number | string }>("SELECT count(*) AS n FROM notification.deliveries WHERE user_id = $1 AND status IN ('pending', 'sending')", [userId]);
		return Number(rows[0]?.n) === 0;
	};

	beforeAll(async () => {
		created = await backend.create();
		const smtpUrl = await smtp.listen();
		await hooks.listen();
		node = await startAuthNode(
			{},
			[
				NotificationService({
					database: created.config,
					now: () => new Date(clock.now()),
					source: { SMTP_URL: smtpUrl, PUBLIC_URL: "http://openpolicy.test", WEBHOOK_ALLOW_PRIVATE_NETWORKS: "127.0.0.1", NOTIFY_POLL_MS: "50", NOTIFY_RETRY_BASE_MS: "50", NOTIFY_RETRY_MAX_MS: "200" }
				}),
				MobileService({ database: created.config })
			],
			created.config
		);
		broker = node.broker;
		await (broker.getLocalService("notification") as unknown as DbService).dbReady(20_000);
		await (broker.getLocalService("mobile") as unknown as DbService).dbReady(20_000);
		await db().query(`INSERT INTO etl.sessions (id, parliament, session, source, document_key, document_hash, content_hash) VALUES ('44-1', 44, 1, ${LINEAGE})`);
	}, 60_000);

	afterAll(async () => {
		await broker?.stop();
		await smtp.close();
		await hooks.close();
		await created?.drop();
	});

	it("finds a follower's devices through the mobile service and records push as skipped without a provider; no device, no push", async () => {
		const phone = await register("phone");
		const none = await register("nodevice");
		const device = await node.post("/mobile/v1/devices", { platform: "android", token: `fcm-${randomUUID()}`, name: "Pixel" }, phone.auth);
		expect(device.status).toBe(201);
		await follow(phone.id, "bill", "44-1/C-20");
		await follow(none.id, "bill", "44-1/C-20");
		await broker.emit("bill.updated", { session: "44-1", number: "C-20", changes: { statusTextEn: { from: "Introduced", to: "At second reading" } } });
		await waitFor(async () => (await inbox(none.auth)).length === 1 && (await inbox(phone.auth)).length === 1, { message: "both inbox items", timeoutMs: 20_000 });
		const push = await deliveries("push");
		expect(push.filter((d) => d.userId === phone.id)).toEqual([expect.objectContaining({ status: "skipped", lastError: "no push provider configured", target: (device.body as { id: string }).id })]);
		expect(push.filter((d) => d.userId === none.id)).toEqual([]);
	}, 60_000);

	it("keeps a push delivery while the mobile service is away and settles it once it is back", async () => {
		const phone = await register("later");
		expect((await node.post("/mobile/v1/devices", { platform: "ios", token: `apns-${randomUUID()}` }, phone.auth)).status).toBe(201);
		await follow(phone.id, "bill", "44-1/C-21");
		const mobile = broker.getLocalService("mobile");
		if (!mobile) throw new Error("no mobile service");
		await broker.destroyService(mobile);
		await broker.emit("bill.updated", { session: "44-1", number: "C-21", changes: { statusTextEn: { from: "Introduced", to: "At committee" } } });
		await waitFor(async () => (await deliveries("push")).some((d) => d.userId === phone.id && d.lastError?.includes("mobile service") === true), { message: "a push delivery waiting for the mobile service", timeoutMs: 20_000 });
		expect((await deliveries("push")).find((d) => d.userId === phone.id)?.status).toBe("pending");
		broker.createService(MobileService({ database: created.config }));
		await broker.waitForServices(["mobile"], 10_000);
		await waitFor(async () => (await deliveries("push")).some((d) => d.userId === phone.id && d.status === "skipped"), { message: "the push delivery settled", timeoutMs: 20_000 });
		expect((await deliveries("push")).filter((d) => d.userId === phone.id)).toEqual([expect.objectContaining({ status: "skipped", lastError: "no push provider configured" })]);
	}, 60_000);

	it("tells a politician's follower once how they voted on a new vote", async () => {
		const fan = await register("fan");
		await db().query(`INSERT INTO etl.politicians (slug, name, source, document_key, document_hash, content_hash) VALUES ('jane-doe', 'Jane Doe', ${LINEAGE}), ('john-roe', 'John Roe', ${LINEAGE})`);
		await db().query(`INSERT INTO etl.votes (session, number, date, description_en, result, yea_total, nay_total, paired_total, source, document_key, document_hash, content_hash) VALUES ('44-1', 7, '2026-11-30', 'Motion on pipelines', 'Passed', 170, 150, 0, ${LINEAGE})`);
		await db().query(
			`INSERT INTO etl.vote_ballots (session, vote_number, politician_slugs, membership_ids, ballots, dissent, document_index, document_keys, document_hashes, source, content_hash)
			VALUES ('44-1', 7, ARRAY['jane-doe', 'john-roe'], ARRAY['m1', 'm2'], ARRAY['No', 'Yes'], ARRAY[true, false], ARRAY[1, 1]::smallint[], ARRAY['test'], ARRAY['h'], 'test', 'h')`
		);
		await follow(fan.id, "politician", "jane-doe");
		const vote = { session: "44-1", number: 7, vote: { date: "2026-11-30", descriptionEn: "Motion on pipelines", result: "Passed", yeaTotal: 170, nayTotal: 150, billNumber: null } };
		await broker.emit("vote.recorded", vote);
		await broker.emit("vote.recorded", structuredClone(vote));
		await waitFor(async () => (await inbox(fan.auth)).some((o) => o.kind === "politician.ballot"), { message: "the ballot notice", timeoutMs: 20_000 });
		await waitFor(() => settled(fan.id), { message: "the fan's deliveries closed", timeoutMs: 20_000 });
		const items = (await inbox(fan.auth)).filter((o) => o.kind === "politician.ballot");
		expect(items).toHaveLength(1);
		expect(`${items[0]?.title} ${items[0]?.body}`).toContain("Jane Doe");
		expect(`${items[0]?.title} ${items[0]?.body}`).not.toContain("John Roe");
	}, 60_000);

	it("tells a saved search's follower once of a new bill whose title matches, and not of one that does not", async () => {
		const reader = await register("reader");
		await follow(reader.id, "search", "pipeline safety");
		const insertBill = (number: string, title: string): Promise<unknown> =>
			db().query(`INSERT INTO etl.bills (session, number, chamber, title_en, source, document_key, document_hash, content_hash) VALUES ('44-1', $1, 'House', $2, ${LINEAGE})`, [number, title]);
		await insertBill("C-30", "An Act respecting pipeline safety in the North");
		await insertBill("C-31", "An Act respecting fisheries");
		const created30 = { session: "44-1", number: "C-30", bill: { titleEn: "An Act respecting pipeline safety in the North" } };
		await broker.emit("bill.created", { session: "44-1", number: "C-31", bill: { titleEn: "An Act respecting fisheries" } });
		await broker.emit("bill.created", created30);
		await broker.emit("bill.created", structuredClone(created30));
		await waitFor(async () => (await inbox(reader.auth)).some((o) => o.kind === "search.match"), { message: "the search match", timeoutMs: 20_000 });
		await waitFor(() => settled(reader.id), { message: "the reader's deliveries closed", timeoutMs: 20_000 });
		const matches = (await inbox(reader.auth)).filter((o) => o.kind === "search.match");
		expect(matches).toHaveLength(1);
		expect(JSON.stringify(matches)).toContain("C-30");
		expect(JSON.stringify(matches)).not.toContain("C-31");
		const { rows } = await db().query<{ n: number | string }>("SELECT count(*) AS n FROM notification.events WHERE id LIKE 'bill.created:44-1/C-31%'");
		expect(Number(rows[0]?.n)).toBe(0);
	}, 60_000);

	it("disables a webhook that has failed for more than a day and tells its owner", async () => {
		const owner = await register("hookowner");
		const res = await node.post("/api/v1/webhooks", { url: hooks.url, events: ["bill.status"] }, owner.auth);
		expect(res.status).toBe(201);
		hooks.secret = (res.body as { secret: string }).secret;
		hooks.script = Array.from({ length: 1_000 }, () => 500);
		await follow(owner.id, "bill", "44-1/C-40");
		await broker.emit("bill.updated", { session: "44-1", number: "C-40", changes: { statusTextEn: { from: "Introduced", to: "At report stage" } } });
		await waitFor(() => hooks.hits.length >= 2, { message: "two failed tries", timeoutMs: 20_000 });
		expect(((await node.get("/api/v1/webhooks", owner.auth)).body as { objects: Array<{ enabled: boolean }> }).objects[0]?.enabled).toBe(true);
		clock.advance(DAY_MS + 60_000);
		await waitFor(async () => (await inbox(owner.auth)).some((o) => o.kind === "webhook.disabled"), { message: "the owner told", timeoutMs: 20_000 });
		expect(((await node.get("/api/v1/webhooks", owner.auth)).body as { objects: Array<{ enabled: boolean }> }).objects[0]?.enabled).toBe(false);
		await waitFor(() => smtp.mails.some((m) => m.to.some((t) => t.startsWith("hookowner-")) && /webhook/i.test(m.parsed.subject ?? "")), { message: "the owner's email", timeoutMs: 20_000 });
		await waitFor(() => settled(owner.id), { message: "the owner's deliveries closed", timeoutMs: 20_000 });
		expect((await inbox(owner.auth)).filter((o) => o.kind === "webhook.disabled")).toHaveLength(1);
	}, 60_000);
});
