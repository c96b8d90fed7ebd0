/**
 * Notifications end to end over HTTP, on PostgreSQL 15 and PGlite: a real SMTP server and a real
 * webhook receiver (test-kit/receivers.ts), the platform's gateway, auth and notification services.
 * A followed bill's status changes (the ETL's `bill.updated` event, delivered twice as a redelivery
 * would be): the inbox, the email and the webhook each get exactly one item.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthNode, startAuthNode } from "../../test/kits/auth-test-kit.ts";
import { request } from "../../test/kits/gateway-test-kit.ts";
import type { DbService } from "../../mixins/db.mixin.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { verifyWebhook } from "./channels/webhook-signature.ts";
import { NotificationService } from "./notification.service.ts";
import { SmtpSink, WebhookReceiver } from "./test-kit/receivers.ts";

const BILL_UPDATED = {
	session: "44-1",
	number: "C-10",
	changes: { statusTextEn: { from: "At second reading in the House of Commons", to: "At third reading in the House of Commons" } }
};

async function register(node: AuthNode, email: string): Promise<string> {
	const res = await node.post("/api/v1/auth/register", { email, password: "a long passphrase for tests 9", displayName: email.split("@")[0] });
	expect(res.status).toBe(200);
	return (res.body as { user: { id: string } }).user.id;
}

describe.each(BACKENDS)("notifications over HTTP on $name", (backend) => {
	let created: TestDatabase;
	let node: AuthNode;
	let broker: ServiceBroker;
	const smtp = new SmtpSink();
	const hooks = new WebhookReceiver();
	let alice = "";
	let benoit = "";
	let aliceAuth: Record<string, string> = {};
	let benoitAuth: Record<string, string> = {};

	const db = (): DbService["db"] => (broker.getLocalService("notification") as unknown as DbService).db;
	const follow = (userId: string, kind: string, target: string): Promise<unknown> => db().query("INSERT INTO web.follows (id, user_id, kind, target) VALUES ($1, $2, $3, $4)", [randomUUID(), userId, kind, target]);

	beforeAll(async () => {
		created = await backend.create();
		const smtpUrl = await smtp.listen();
		await hooks.listen();
		node = await startAuthNode(
			{},
			[
				NotificationService({
					database: created.config,
					source: {
						SMTP_URL: smtpUrl,
						PUBLIC_URL: "http://openpolicy.test",
						WEBHOOK_ALLOW_PRIVATE_NETWORKS: "127.0.0.1",
						NOTIFY_POLL_MS: "50",
						NOTIFY_RETRY_BASE_MS: "50",
						NOTIFY_RETRY_MAX_MS: "200"
					}
				})
			],
			created.config
		);
		broker = node.broker;
		await (broker.getLocalService("notification") as unknown as DbService).dbReady(20_000);
		alice = await register(node, `alice-${randomUUID().slice(0, 6)}@example.org`);
		benoit = await register(node, `benoit-${randomUUID().slice(0, 6)}@example.org`);
		aliceAuth = node.bearerFor("citizen", alice);
		benoitAuth = node.bearerFor("citizen", benoit);
	}, 60_000);

	afterAll(async () => {
		await broker?.stop();
		await smtp.close();
		await hooks.close();
		await created?.drop();
	});

	it("refuses webhook URLs that are not http(s) or lead to private addresses, and takes a local receiver the operator allowed", async () => {
		const post = (url: string): Promise<{ status: number; body: unknown }> => node.post("/api/v1/webhooks", { url, events: ["bill.status"] }, aliceAuth);
		for (const url of ["ftp://example.org/x", "http://10.1.2.3/hook", "http://169.254.169.254/latest", "http://[::1]/hook", "http://user:pw@127.0.0.1/x"]) {
			const res = await post(url);
			expect(res.status, url).toBe(422);
			expect(JSON.stringify(res.body)).toContain("url");
		}
		expect((await node.post("/api/v1/webhooks", { url: hooks.url }, aliceAuth)).status).toBe(422);
		expect((await request(`${node.baseUrl}/api/v1/webhooks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: hooks.url, events: ["bill.status"] }) })).status).toBe(401);
		const res = await post(hooks.url);
		expect(res.status).toBe(201);
		hooks.secret = (res.body as { secret: string }).secret;
		expect(hooks.secret).toMatch(/^whsec_/);
		const list = await node.get("/api/v1/webhooks", aliceAuth);
		expect((list.body as { objects: Array<Record<string, unknown>> }).objects).toEqual([expect.objectContaining({ url: hooks.url, enabled: true })]);
		expect(JSON.stringify(list.body)).not.toContain(hooks.secret);
	});

	it("tells each follower once on every channel, live on their stream, in their language, whatever the redeliveries", async () => {
		await follow(alice, "bill", "44-1/C-10");
		await follow(benoit, "bill", "44-1/C-10");
		const fr = await request(`${node.baseUrl}/api/v1/notifications/preferences`, { method: "PUT", headers: { "content-type": "application/json", ...benoitAuth }, body: JSON.stringify({ language: "fr" }) });
		expect(fr.status).toBe(200);

		const stream = await fetch(`${node.baseUrl}/api/v1/notifications/stream`, { headers: aliceAuth, signal: AbortSignal.timeout(30_000) });
		expect(stream.status).toBe(200);
		const reader = stream.body?.getReader();
		let seen = "";
		const live = (async () => {
			const decoder = new TextDecoder();
			while (reader && !seen.includes("event: inbox")) {
				const chunk = await reader.read();
				if (chunk.done) break;
				seen += decoder.decode(chunk.value);
			}
			return seen;
		})();

		await broker.emit("bill.updated", BILL_UPDATED);
		await broker.emit("bill.updated", structuredClone(BILL_UPDATED));

		expect(await live).toContain("At third reading");
		await reader?.cancel();
		await waitFor(() => smtp.mails.length >= 2 && hooks.accepted.size >= 1, { message: "two emails and a webhook", timeoutMs: 20_000 });

		const inbox = await node.get("/api/v1/notifications", aliceAuth);
		const objects = (inbox.body as { objects: Array<{ id: string; title: string; kind: string }>; unread: number }).objects;
		expect(objects).toHaveLength(1);
		expect(objects[0]?.kind).toBe("bill.status");
		expect((await node.get("/api/v1/notifications/unread-count", aliceAuth)).body).toEqual({ unread: 1 });
		const marked = await node.post("/api/v1/notifications/read", { ids: [objects[0]?.id] }, aliceAuth);
		expect(marked.body).toEqual({ marked: 1, unread: 0 });

		const toAlice = smtp.mails.filter((m) => m.to.some((t) => t.startsWith("alice-")));
		const toBenoit = smtp.mails.filter((m) => m.to.some((t) => t.startsWith("benoit-")));
		expect(toAlice).toHaveLength(1);
		expect(toBenoit).toHaveLength(1);
		const mail = toAlice[0]?.parsed;
		expect(mail?.subject).toBe("Bill C-10 (44-1): At third reading in the House of Commons");
		expect(mail?.text).toContain("changed from");
		expect(String(mail?.html)).toContain("<h2>Bill C-10");
		expect(toBenoit[0]?.parsed.subject).toBe("Projet de loi C-10 (44-1) : At third reading in the House of Commons");
		expect(toBenoit[0]?.raw).toMatch(/Content-Language: fr/i);

		expect([...hooks.accepted.values()]).toEqual([1]);
		const hit = hooks.hits.find((h) => h.status === 200);
		expect(hit?.verified).toBe(true);
		expect(JSON.parse(hit?.body ?? "{}")).toMatchObject({ kind: "bill.status", subject: "bill:44-1/C-10" });
		// A receiver that refuses timestamps older than five minutes refuses a replay of this very request.
		const later = Number(hit?.timestamp) + 600;
		expect(verifyWebhook(hooks.secret, { signature: hit?.signature ?? "", timestamp: hit?.timestamp ?? "" }, hit?.body ?? "", later)).toEqual({ ok: false, reason: "stale-timestamp" });
		expect(verifyWebhook(hooks.secret, { signature: hit?.signature ?? "", timestamp: hit?.timestamp ?? "" }, `${hit?.body ?? ""} `, Number(hit?.timestamp))).toEqual({ ok: false, reason: "bad-signature" });
	}, 60_000);

	it("unsubscribes in one click without signing in (RFC 8058), and then sends no more email but still fills the inbox", async () => {
		const mail = smtp.mails.find((m) => m.to.some((t) => t.startsWith("alice-")));
		// Read from the raw message: mailparser folds List-* headers into a structure of its own.
		const raw = (mail?.raw ?? "").replace(/\r?\n[ \t]+/g, " ");
		expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
		const link = /^List-Unsubscribe: <([^>]+)>$/m.exec(raw)?.[1] ?? "";
		expect(link).toMatch(/^http:\/\/openpolicy\.test\/unsubscribe\//);
		expect(mail?.parsed.text).toContain(link);
		const local = link.replace("http://openpolicy.test", node.baseUrl);

		const page = await request(local);
		expect(page.status).toBe(200);
		expect(page.text).toContain("<form method=\"post\"");
		expect((await node.get("/api/v1/notifications/preferences", aliceAuth)).body).toMatchObject({ channels: { email: { enabled: true } } });

		const forged = await request(`${local.slice(0, -3)}abc`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
		expect(forged.status).toBe(404);
		const done = await request(local, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
		expect(done.status).toBe(200);
		expect((await node.get("/api/v1/notifications/preferences", aliceAuth)).body).toMatchObject({ channels: { email: { enabled: false }, inbox: { enabled: true } } });

		const before = smtp.mails.length;
		await broker.emit("bill.updated", { ...BILL_UPDATED, changes: { statusTextEn: { from: "At third reading in the House of Commons", to: "Royal assent received" } } });
		await waitFor(async () => ((await node.get("/api/v1/notifications", aliceAuth)).body as { objects: unknown[] }).objects.length === 2, { message: "alice's second inbox item", timeoutMs: 20_000 });
		await waitFor(() => smtp.mails.length > before, { message: "benoit's email", timeoutMs: 20_000 });
		expect(smtp.mails.slice(before).map((m) => m.to.join())).toEqual([expect.stringMatching(/^benoit-/)]);
	}, 60_000);

	it("retries a webhook that answers 500, then counts one accepted delivery, and keeps the log for operators", async () => {
		hooks.script = [500, 503];
		const before = hooks.hits.length;
		await broker.emit("bill.updated", { ...BILL_UPDATED, changes: { statusCode: { from: "RoyalAssentGiven", to: "Law" } } });
		await waitFor(() => hooks.hits.slice(before).some((h) => h.status === 200), { message: "an accepted webhook delivery after two refusals", timeoutMs: 20_000 });
		const hits = hooks.hits.slice(before);
		expect(hits.map((h) => h.status)).toEqual([500, 503, 200]);
		expect(new Set(hits.map((h) => h.key)).size).toBe(1);
		expect(hooks.accepted.get(hits[0]?.key ?? "")).toBe(1);

		expect((await node.get("/api/v1/notifications/deliveries", aliceAuth)).status).toBe(403);
		const log = await node.get("/api/v1/notifications/deliveries?channel=webhook", node.bearerFor("operator", randomUUID()));
		expect(log.status).toBe(200);
		const rows = (log.body as { objects: Array<{ idempotencyKey: string; status: string; attempts: number }> }).objects;
		expect(rows.find((r) => r.idempotencyKey === hits[0]?.key)).toMatchObject({ status: "sent", attempts: 3 });
	}, 60_000);

	it("tells a user of a new sign-in to their account (auth's security event), in the inbox and by email", async () => {
		const email = `carol-${randomUUID().slice(0, 6)}@example.org`;
		const carol = await register(node, email);
		const login = await node.post("/api/v1/auth/login", { email, password: "a long passphrase for tests 9" });
		expect(login.status).toBe(200);
		const auth = node.bearerFor("citizen", carol);
		await waitFor(async () => ((await node.get("/api/v1/notifications", auth)).body as { objects: Array<{ kind: string }> }).objects.some((o) => o.kind === "account.security"), {
			message: "carol's security notice",
			timeoutMs: 20_000
		});
		await waitFor(() => smtp.mails.some((m) => m.to.includes(email) && m.parsed.subject === "New sign-in to your account"), { message: "carol's security email", timeoutMs: 20_000 });
	}, 60_000);

	it("serves an Atom feed per bill, without signing in", async () => {
		const feed = await request(`${node.baseUrl}/feeds/bills/44-1/C-10`);
		expect(feed.status).toBe(200);
		expect(feed.headers.get("content-type")).toContain("application/atom+xml");
		expect(feed.text).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
		expect(feed.text.match(/<entry>/g)).toHaveLength(3);
		expect((await request(`${node.baseUrl}/feeds/bills/44-1/not-a-bill`)).status).toBe(422);
	});
});
