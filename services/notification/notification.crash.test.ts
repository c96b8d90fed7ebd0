/**
 * A notification node SIGKILLed in the middle of 1,000 deliveries (500 emails to a real SMTP
 * server, 500 webhooks to a real receiver), then started again: every delivery arrives, none is
 * lost, and each is accepted once by a receiver that keeps the key (Message-ID, Idempotency-Key).
 * The deliveries the killed node had in flight may reach the wire twice (it sent them but died
 * before it could record so): the test bounds that number by what one node has in hand, and the
 * second copy carries the same key (docs/decisions/0027-notification-outbox.md). PostgreSQL only:
 * the test and the node processes share the database, which PGlite cannot.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManagedChild } from "../../test/helpers/child.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import type { Database } from "../../runtime/storage/database.ts";
import { openStandalone } from "../../runtime/storage/database-registry.ts";
import { createPostgresDatabase, type TestDatabase } from "../../test/storage/test-databases.ts";
import { type NewDelivery, recordDecision } from "./outbox/outbox-store.ts";
import { createWebhook } from "./stores/webhook-store.ts";
import { SmtpSink, WebhookReceiver } from "./test-kit/receivers.ts";

const EMAILS = 500;
const WEBHOOKS = 500;
const CONCURRENCY = 10;
const BATCH = 20;

describe("a notification node killed mid-delivery (PostgreSQL 15, real child processes)", () => {
	let created: TestDatabase & { url: string };
	let db: Database;
	const smtp = new SmtpSink();
	const hooks = new WebhookReceiver();
	const children: ManagedChild[] = [];
	let env: NodeJS.ProcessEnv = {};

	function startNode(name: string): ManagedChild {
		const child = new ManagedChild({ name, command: process.execPath, args: [path.join(import.meta.dirname, "../../test/kits/notification-worker-node.ts")], env: { ...env, NODE_ID: `${name}-${randomUUID().slice(0, 6)}` } });
		children.push(child);
		return child;
	}

	beforeAll(async () => {
		created = await createPostgresDatabase();
		env = {
			PATH: process.env.PATH,
			NOTIFY_TEST_DATABASE_URL: created.url,
			NAMESPACE: `notify-crash-${randomUUID().slice(0, 8)}`,
			SMTP_URL: await smtp.listen(),
			WEBHOOK_ALLOW_PRIVATE_NETWORKS: "127.0.0.1",
			NOTIFY_LEASE_MS: "2000",
			NOTIFY_POLL_MS: "50",
			NOTIFY_BATCH: String(BATCH),
			NOTIFY_CONCURRENCY: String(CONCURRENCY),
			NOTIFY_RETRY_BASE_MS: "50"
		};
		await hooks.listen();
		db = await openStandalone(created.config);
	}, 30_000);

	afterAll(async () => {
		for (const child of children) await child.kill();
		await db?.close();
		await smtp.close();
		await hooks.close();
		await created?.drop();
	});

	it("delivers all 1,000 after a SIGKILL and a restart, each accepted once at the receivers", async () => {
		// A first node applies the migrations and is gone before the outbox fills.
		const migrator = startNode("notify-migrate");
		await waitFor(() => migrator.output().includes("READY"), { message: () => `the migrating node to be ready: ${migrator.output().slice(-2000)}`, timeoutMs: 30_000 });
		await migrator.kill();

		const hook = await createWebhook(db, "user:crash-test", null, hooks.url, ["bill.status"]);
		hooks.secret = hook.secret;
		const deliveries: NewDelivery[] = [
			...Array.from({ length: EMAILS }, (_, i): NewDelivery => ({
				userId: `u${i}`,
				channel: "email",
				target: `reader${i}@example.org`,
				message: { subject: `Notice ${i}`, text: `Text ${i}`, html: `<p>Html ${i}</p>`, unsubscribeUrl: "http://openpolicy.test/unsubscribe/x", language: "en" }
			})),
			// One webhook, many recipients' deliveries: distinct targets are what make distinct keys.
			...Array.from({ length: WEBHOOKS }, (_, i): NewDelivery => ({ userId: `u${i}`, channel: "webhook", target: hook.id, message: { kind: "bill.status", body: { n: i } } }))
		];
		// Webhook keys are event + channel + target: give each its own event so the 500 keys differ.
		const half = deliveries.slice(0, EMAILS);
		await recordDecision(db, { id: "crash-emails", kind: "bill.status", subject: null, title: { en: "t", fr: "t" }, body: { en: "b", fr: "b" }, link: null, public: false, data: {} }, () => Promise.resolve(half));
		for (let i = 0; i < WEBHOOKS; i++) {
			const d = deliveries[EMAILS + i];
			if (!d) continue;
			await recordDecision(db, { id: `crash-hook-${i}`, kind: "bill.status", subject: null, title: { en: "t", fr: "t" }, body: { en: "b", fr: "b" }, link: null, public: false, data: {} }, () => Promise.resolve([d]));
		}

		const first = startNode("notify-a");
		await waitFor(() => smtp.mails.length + hooks.hits.length >= 300, { message: "300 deliveries before the kill", timeoutMs: 60_000, intervalMs: 5 });
		await first.kill();
		const atKill = smtp.mails.length + hooks.hits.length;
		expect(atKill).toBeLessThan(700);

		const second = startNode("notify-b");
		await waitFor(() => second.output().includes("READY"), { message: () => `the second node to be ready: ${second.output().slice(-2000)}`, timeoutMs: 30_000 });
		await waitFor(
			async () => {
				const { rows } = await db.query<{ n: string | number }>("SELECT count(*) AS n FROM notification.deliveries WHERE status = 'sent'");
				return Number(rows[0]?.n) === EMAILS + WEBHOOKS;
			},
			{ message: "every delivery to be recorded as sent", timeoutMs: 90_000, intervalMs: 200 }
		);

		expect(smtp.messageIds().size).toBe(EMAILS);
		expect(new Set(smtp.mails.flatMap((m) => m.to)).size).toBe(EMAILS);
		expect(hooks.accepted.size).toBe(WEBHOOKS);
		expect(hooks.hits.every((h) => h.verified)).toBe(true);
		const rawDuplicates = smtp.mails.length - EMAILS + (hooks.hits.length - WEBHOOKS);
		// Only what the killed node held when it died can have gone out twice: at most one batch in hand.
		expect(rawDuplicates).toBeLessThanOrEqual(BATCH);
		const { rows } = await db.query<{ n: string | number }>("SELECT count(*) AS n FROM notification.deliveries WHERE attempts > 1");
		process.stdout.write(`crash test: ${atKill} received before the kill, ${Number(rows[0]?.n)} taken over after the lease, ${rawDuplicates} sent twice (same key), ${smtp.mails.length + hooks.hits.length} in all\n`);
	}, 180_000);
});
