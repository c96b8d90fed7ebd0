/**
 * `notification`: telling people (issue 14).
 *
 * - Decisions (triggers/decide.ts) turn the ETL's change events, auth's security events,
 *   monitoring's alerts and first follows into one outbox transaction each: the event, and a
 *   delivery per recipient and channel with its idempotency key (outbox/outbox-store.ts).
 * - Every node runs a DeliveryWorker that claims due deliveries (FOR UPDATE SKIP LOCKED, a lease)
 *   and sends them: email (SMTP), signed webhooks, the in-app inbox, push (devices from the mobile
 *   service over the broker; skipped until a provider is configured).
 * - Citizens read their inbox and set their preferences under /api/v1/notifications, manage
 *   webhooks under /api/v1/webhooks, unsubscribe in one click at /unsubscribe/<token>, and read
 *   Atom feeds at /feeds/...; operators see the delivery log at /api/v1/notifications/deliveries.
 */
import { type Page, listPage } from "../../runtime/list-page.ts";
import type { Context, Service, ServiceSchema } from "moleculer";
import { Errors } from "moleculer";
import { DbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { principalOf } from "../../access/principal.ts";
import { addressPolicy } from "../../runtime/net/address-policy.ts";
import { NOTIFICATION_CHANNELS, declareZero, incrementMetric, setMetric } from "../../runtime/platform-metrics.ts";
import type { Database, DatabaseConfig } from "../../runtime/storage/database.ts";
import type { ParamsOf } from "../../runtime/validation/zod-params.ts";
import type { AlertEvent } from "../monitoring/monitoring.contract.ts";
import type { SecurityEvent } from "../auth/auth.contract.ts";
import { invalidField } from "../shared/read-errors.ts";
import { EmailChannel } from "./channels/email-channel.ts";
import { InboxChannel } from "./channels/inbox-channel.ts";
import { PushChannel } from "./channels/push-channel.ts";
import { WebhookChannel } from "./channels/webhook-channel.ts";
import { checkWebhookUrl } from "./channels/webhook-target.ts";
import { mobileDevices } from "./channels/mobile-devices.ts";
import { renderAtom } from "./feeds/atom.ts";
import { searchEntries, subjectEntries } from "./feeds/feed-store.ts";
import { escapeHtml } from "./messages.ts";
import {
	ALERT_FIRED_EVENT,
	ALERT_RESOLVED_EVENT,
	type DeviceDirectory,
	FOLLOW_CREATED_EVENT,
	type FollowEvent,
	INBOX_CREATED_EVENT,
	type InboxEvent,
	type PushProvider,
	SECURITY_EVENT
} from "./notification.contract.ts";
import { type NotificationConfig, notificationConfig } from "./notification-config.ts";
import {
	BillFeedParams,
	CreateWebhookParams,
	DeliveriesParams,
	EmptyParams,
	InboxParams,
	MarkReadParams,
	PoliticianFeedParams,
	PreferencesParams,
	SearchFeedParams,
	UnsubscribeParams,
	WebhookIdParams
} from "./notification-params.ts";
import { collectDigests } from "./outbox/digests.ts";
import { DeliveryWorker } from "./outbox/delivery-worker.ts";
import { backlog, listDeliveries } from "./outbox/outbox-store.ts";
import { listInbox, markRead, unreadCount } from "./stores/inbox-store.ts";
import { saveSettings, settingsOf } from "./stores/recipient-store.ts";
import { countWebhooks, createWebhook, deleteWebhook, enableWebhook, listWebhooks, publicWebhook, recordWebhookFailure, recordWebhookSuccess } from "./stores/webhook-store.ts";
import { NoticeDecider } from "./triggers/decide.ts";
import type { FieldChange } from "./triggers/notices.ts";
import { readUnsubscribeToken } from "./unsubscribe-token.ts";

export interface NotificationServiceOptions {
	database?: DatabaseConfig;
	/** Variables (SMTP_URL, PUBLIC_URL, ...); defaults to process.env. */
	source?: Record<string, string | undefined>;
	/** Users' devices; defaults to the mobile service's `mobile.devicesOf` over the broker. */
	devices?: DeviceDirectory;
	/** SEAM: a push provider; without one push deliveries are recorded as skipped. */
	push?: PushProvider;
	/** The clock for decisions and webhook health (tests move it: a webhook failing for a day). */
	now?: () => Date;
	/** Run no delivery worker on this instance (decisions and routes only). */
	noWorker?: boolean;
}

interface NotificationState {
	config: NotificationConfig;
	worker: DeliveryWorker | undefined;
	decider: NoticeDecider | undefined;
	email: EmailChannel | undefined;
	webhook: WebhookChannel | undefined;
	backlogTimer: NodeJS.Timeout | undefined;
	stopped: boolean;
}

type NotificationThis = Service;

const states = new WeakMap<Service, NotificationState>();
const MAX_WEBHOOKS_PER_OWNER = 20;
/** A source event whose decision fails (the database is away) is tried again this often, then logged as lost. */
const DECISION_TRIES = 5;
/** A decision holds its transaction while it asks the mobile service for devices: never long (then push asks again later). */
const DEVICE_LOOKUP_TIMEOUT_MS = 2_000;

function stateOf(service: NotificationThis): NotificationState {
	const state = states.get(service);
	if (!state) throw new Error("The notification service was used before it was created");
	return state;
}

async function database(service: NotificationThis): Promise<Database> {
	const db = service as unknown as DbService;
	await db.dbReady();
	return db.db;
}

function deciderOf(service: NotificationThis): NoticeDecider {
	const decider = stateOf(service).decider;
	if (!decider) throw new Errors.MoleculerError("The notification service is not started", 503, "SERVICE_UNAVAILABLE");
	return decider;
}

function userOf(ctx: Context): string {
	const principal = principalOf(ctx.meta);
	if (principal?.kind !== "user") throw new Errors.MoleculerClientError("Sign in to use your notifications", 401, "UNAUTHORIZED");
	return principal.userId;
}

/** user:<id> or key:<id>, and the user to tell when the webhook is disabled. */
function ownerOf(ctx: Context): { owner: string; userId: string | null } {
	const principal = principalOf(ctx.meta);
	if (principal?.kind === "user") return { owner: `user:${principal.userId}`, userId: principal.userId };
	if (principal?.kind === "api-key") return { owner: `key:${principal.keyId}`, userId: null };
	throw new Errors.MoleculerClientError("Sign in or present an API key to manage webhooks", 401, "UNAUTHORIZED");
}


/** Runs a decision, retrying while the database is away: Moleculer's events are not stored, so giving up loses the notice. */
async function decideWithRetry(service: NotificationThis, what: string, work: (decider: NoticeDecider) => Promise<unknown>): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		try {
			await database(service);
			await work(deciderOf(service));
			stateOf(service).worker?.wake();
			return;
		} catch (err) {
			if (attempt >= DECISION_TRIES) {
				service.logger.error(`Notification decision for ${what} failed ${attempt} times, dropped: ${err instanceof Error ? err.message : String(err)}`);
				return;
			}
			await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt).unref());
		}
	}
}

function feedAnswer(ctx: Context, body: string): string {
	(ctx.meta as Record<string, unknown>).$responseType = "application/atom+xml; charset=utf-8";
	return body;
}

function htmlPage(ctx: Context, title: string, body: string): string {
	(ctx.meta as Record<string, unknown>).$responseType = "text/html; charset=utf-8";
	return `<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const PUBLIC = { visibility: "published", permissions: ["public"] } as const;
const SELF = { visibility: "published", permissions: ["account:self"] } as const;
const WEBHOOKS = { visibility: "published", permissions: ["webhooks:manage"] } as const;

export function NotificationService(options: NotificationServiceOptions = {}): ServiceSchema {
	const config = notificationConfig(options.source);
	const policy = addressPolicy(config.webhookAllowPrivateNetworks);
	const now = options.now ?? ((): Date => new Date());
	const dbOptions = options.database ? { database: options.database } : {};

	return {
		name: "notification",
		// auth: users' addresses and roles; etl: bills and ballots. web.follows is read too (its
		// migrations join this list when the web service's follows are merged: see the contract).
		mixins: [DbMixin({ schema: "notification", reads: ["etl", "auth", "web"], ...dbOptions }), HealthMixin()],
		settings: { rest: "/" },

		actions: {
			inbox: {
				...SELF,
				rest: "GET /notifications",
				params: InboxParams,
				async handler(this: NotificationThis, ctx: Context<ParamsOf<typeof InboxParams>>): Promise<Record<string, unknown>> {
					const userId = userOf(ctx);
					const { limit, offset, unread } = ctx.params;
					const result = await listInbox(await database(this), userId, { unread: unread === true, limit, offset });
					return { ...listPage("/api/v1/notifications", { ...(unread ? { unread: "true" } : {}), limit, offset }, result.items, result.total), unread: result.unread };
				}
			},
			unreadCount: {
				...SELF,
				rest: "GET /notifications/unread-count",
				params: EmptyParams,
				async handler(this: NotificationThis, ctx: Context): Promise<{ unread: number }> {
					return { unread: await unreadCount(await database(this), userOf(ctx)) };
				}
			},
			markRead: {
				...SELF,
				rest: "POST /notifications/read",
				params: MarkReadParams,
				async handler(this: NotificationThis, ctx: Context<ParamsOf<typeof MarkReadParams>>): Promise<{ marked: number; unread: number }> {
					const userId = userOf(ctx);
					const db = await database(this);
					const marked = await markRead(db, userId, ctx.params.ids);
					return { marked, unread: await unreadCount(db, userId) };
				}
			},
			preferences: {
				...SELF,
				rest: "GET /notifications/preferences",
				params: EmptyParams,
				async handler(this: NotificationThis, ctx: Context): Promise<unknown> {
					return settingsOf(await database(this), userOf(ctx));
				}
			},
			setPreferences: {
				...SELF,
				rest: "PUT /notifications/preferences",
				params: PreferencesParams,
				async handler(this: NotificationThis, ctx: Context<ParamsOf<typeof PreferencesParams>>): Promise<unknown> {
					const userId = userOf(ctx);
					const db = await database(this);
					const { channels, ...rest } = ctx.params;
					await saveSettings(db, userId, { ...rest, ...(channels ? { channels } : {}) });
					return settingsOf(db, userId);
				}
			},
			deliveries: {
				visibility: "published",
				permissions: ["notifications:read"],
				rest: "GET /notifications/deliveries",
				params: DeliveriesParams,
				async handler(this: NotificationThis, ctx: Context<ParamsOf<typeof DeliveriesParams>>): Promise<Record<string, unknown>> {
					const { status, channel, limit, offset } = ctx.params;
					const result = await listDeliveries(await database(this), { ...(status ? { status } : {}), ...(channel ? { channel } : {}), limit, offset });
					// The log shows what was sent where, never the message itself (addresses are the operator's to see).
					const objects = result.deliveries.map(({ message: _message, ...rest }) => rest);
					return { ...listPage("/api/v1/notifications/deliveries", { status, channel, limit, offset }, objects, result.total), byStatus: result.byStatus };
				}
			},

			webhooks: {
				...WEBHOOKS,
				rest: "GET /webhooks",
				params: EmptyParams,
				async handler(this: NotificationThis, ctx: Context): Promise<Page<Record<string, unknown>>> {
					const hooks = await listWebhooks(await database(this), ownerOf(ctx).owner);
					return listPage("/api/v1/webhooks", { limit: hooks.length, offset: 0 }, hooks.map((h) => publicWebhook(h)), hooks.length);
				}
			},
			createWebhook: {
				...WEBHOOKS,
				rest: "POST /webhooks",
				params: CreateWebhookParams,
				async handler(this: NotificationThis, ctx: Context<ParamsOf<typeof CreateWebhookParams>>): Promise<Record<string, unknown>> {
					const { owner, userId } = ownerOf(ctx);
					const verdict = await checkWebhookUrl(ctx.params.url, policy);
					if (!verdict.ok) throw invalidField("url", `The webhook URL ${verdict.reason}`);
					const db = await database(this);
					if ((await countWebhooks(db, owner)) >= MAX_WEBHOOKS_PER_OWNER) throw new Errors.MoleculerClientError(`At most ${MAX_WEBHOOKS_PER_OWNER} webhooks per owner`, 409, "WEBHOOK_LIMIT_REACHED");
					const hook = await createWebhook(db, owner, userId, verdict.url.toString(), [...new Set(ctx.params.events)]);
					(ctx.meta as Record<string, unknown>).$statusCode = 201;
					(ctx.meta as Record<string, unknown>).$location = `/api/v1/webhooks/${hook.id}`;
					return publicWebhook(hook, true);
				}
			},
			deleteWebhook: {
				...WEBHOOKS,
				rest: "DELETE /webhooks/:id",
				params: WebhookIdParams,
				async handler(this: NotificationThis, ctx: Context<ParamsOf<typeof WebhookIdParams>>): Promise<null> {
					if (!(await deleteWebhook(await database(this), ownerOf(ctx).owner, ctx.params.id))) throw new Errors.MoleculerClientError(`No webhook ${ctx.params.id}`, 404, "NOT_FOUND");
					(ctx.meta as Record<string, unknown>).$statusCode = 204;
					return null;
				}
			},
			enableWebhook: {
				...WEBHOOKS,
				rest: "POST /webhooks/:id/enable",
				params: WebhookIdParams,
				async handler(this: NotificationThis, ctx: Context<ParamsOf<typeof WebhookIdParams>>): Promise<Record<string, unknown>> {
					const hook = await enableWebhook(await database(this), ownerOf(ctx).owner, ctx.params.id);
					if (!hook) throw new Errors.MoleculerClientError(`No webhook ${ctx.params.id}`, 404, "NOT_FOUND");
					return publicWebhook(hook);
				}
			},

			// GET shows a button: link scanners and previews fetch links, and must not unsubscribe anyone.
			unsubscribePage: {
				...PUBLIC,
				rest: { method: "GET", path: "/:token", basePath: "/" },
				params: UnsubscribeParams,
				handler(this: NotificationThis, ctx: Context<ParamsOf<typeof UnsubscribeParams>>): string {
					const claim = readUnsubscribeToken(stateOf(this).config.unsubscribeSecret, ctx.params.token);
					if (!claim) throw new Errors.MoleculerClientError("This unsubscribe link is not valid", 404, "NOT_FOUND");
					return htmlPage(ctx, "Unsubscribe / Se désabonner", `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Stop emails / Ne plus recevoir de courriels</button></form>`);
				}
			},
			unsubscribe: {
				...PUBLIC,
				rest: { method: "POST", path: "/:token", basePath: "/" },
				params: UnsubscribeParams,
				async handler(this: NotificationThis, ctx: Context<ParamsOf<typeof UnsubscribeParams>>): Promise<string> {
					const claim = readUnsubscribeToken(stateOf(this).config.unsubscribeSecret, ctx.params.token);
					if (!claim) throw new Errors.MoleculerClientError("This unsubscribe link is not valid", 404, "NOT_FOUND");
					await saveSettings(await database(this), claim.userId, { channels: { email: { enabled: false } } });
					return htmlPage(ctx, "Unsubscribed / Désabonné", "<p>You will receive no more notification emails. / Vous ne recevrez plus de courriels d’avis.</p>");
				}
			},

			feedBill: {
				...PUBLIC,
				rest: { method: "GET", path: "/bills/:session/:number", basePath: "/" },
				params: BillFeedParams,
				async handler(this: NotificationThis, ctx: Context<ParamsOf<typeof BillFeedParams>>): Promise<string> {
					const { session, number, lang } = ctx.params;
					const base = stateOf(this).config.publicUrl;
					const entries = await subjectEntries(await database(this), `bill:${session}/${number}`, lang);
					const self = `${base}/feeds/bills/${session}/${number}`;
					return feedAnswer(ctx, renderAtom({ id: self, title: lang === "fr" ? `Projet de loi ${number} (${session})` : `Bill ${number} (${session})`, selfUrl: self, alternateUrl: `${base}/bills/${session}/${number}`, entries }));
				}
			},
			feedPolitician: {
				...PUBLIC,
				rest: { method: "GET", path: "/politicians/:slug", basePath: "/" },
				params: PoliticianFeedParams,
				async handler(this: NotificationThis, ctx: Context<ParamsOf<typeof PoliticianFeedParams>>): Promise<string> {
					const { slug, lang } = ctx.params;
					const base = stateOf(this).config.publicUrl;
					const entries = await subjectEntries(await database(this), `politician:${slug}`, lang);
					const self = `${base}/feeds/politicians/${slug}`;
					return feedAnswer(ctx, renderAtom({ id: self, title: slug, selfUrl: self, alternateUrl: `${base}/politicians/${slug}`, entries }));
				}
			},
			feedSearch: {
				...PUBLIC,
				rest: { method: "GET", path: "/search", basePath: "/" },
				params: SearchFeedParams,
				async handler(this: NotificationThis, ctx: Context<ParamsOf<typeof SearchFeedParams>>): Promise<string> {
					const { q, lang } = ctx.params;
					const base = stateOf(this).config.publicUrl;
					const entries = await searchEntries(await database(this), q, base, lang);
					const self = `${base}/feeds/search?${new URLSearchParams({ q }).toString()}`;
					return feedAnswer(ctx, renderAtom({ id: self, title: `“${q}”`, selfUrl: self, alternateUrl: `${base}/search?${new URLSearchParams({ q }).toString()}`, entries }));
				}
			},

			/** For the REPL and tests: the outbox at a glance. */
			status: {
				visibility: "public",
				async handler(this: NotificationThis): Promise<Record<string, unknown>> {
					const db = await database(this);
					const result = await listDeliveries(db, { limit: 10, offset: 0, status: "failed" });
					return { backlog: await backlog(db), byStatus: result.byStatus, recentFailures: result.deliveries.map(({ message: _m, ...rest }) => rest) };
				}
			}
		},

		events: {
			"bill.updated": {
				handler(this: NotificationThis, ctx: Context<{ session: string; number: string; changes: Record<string, FieldChange> }>): Promise<void> {
					return decideWithRetry(this, `bill.updated ${ctx.params.session}/${ctx.params.number}`, (d) => d.billUpdated(ctx.params));
				}
			},
			"bill.created": {
				handler(this: NotificationThis, ctx: Context<{ session: string; number: string; bill: Record<string, unknown> }>): Promise<void> {
					return decideWithRetry(this, `bill.created ${ctx.params.session}/${ctx.params.number}`, (d) => d.billCreated(ctx.params));
				}
			},
			"vote.recorded": {
				handler(this: NotificationThis, ctx: Context<{ session: string; number: number; vote: Record<string, unknown> }>): Promise<void> {
					return decideWithRetry(this, `vote.recorded ${ctx.params.session}/${ctx.params.number}`, (d) => d.voteRecorded(ctx.params));
				}
			},
			[SECURITY_EVENT]: {
				handler(this: NotificationThis, ctx: Context<SecurityEvent>): Promise<void> {
					return decideWithRetry(this, `auth.security ${ctx.params.id}`, (d) => d.security(ctx.params));
				}
			},
			[ALERT_FIRED_EVENT]: {
				handler(this: NotificationThis, ctx: Context<AlertEvent>): Promise<void> {
					return decideWithRetry(this, `alert.fired ${ctx.params.alert.id}`, (d) => d.alert(ctx.params.alert, "fired"));
				}
			},
			[ALERT_RESOLVED_EVENT]: {
				handler(this: NotificationThis, ctx: Context<AlertEvent>): Promise<void> {
					return decideWithRetry(this, `alert.resolved ${ctx.params.alert.id}`, (d) => d.alert(ctx.params.alert, "resolved"));
				}
			},
			[FOLLOW_CREATED_EVENT]: {
				handler(this: NotificationThis, ctx: Context<FollowEvent>): Promise<void> {
					return decideWithRetry(this, `web.follow.created ${ctx.params.id}`, (d) => d.followCreated(ctx.params));
				}
			}
		},

		created(this: NotificationThis): void {
			states.set(this, { config, worker: undefined, decider: undefined, email: undefined, webhook: undefined, backlogTimer: undefined, stopped: false });
			// Declared at zero, so dashboards and the backlog alert have their series before the first delivery.
			const channels = NOTIFICATION_CHANNELS.map((channel) => ({ channel }));
			declareZero(this.broker, "notificationsSent", channels);
			declareZero(this.broker, "notificationsFailed", channels);
			setMetric(this.broker, "notificationsBacklog", 0);
		},

		async started(this: NotificationThis): Promise<void> {
			const state = stateOf(this);
			state.stopped = false;
			// The database may still be away: decisions and the worker wait for it, the node starts regardless.
			void (this as unknown as DbService).dbReady(Number.POSITIVE_INFINITY).then(() => {
				if (state.stopped) return;
				const db = (this as unknown as DbService).db;
				const devices = options.devices ?? mobileDevices(this.broker, DEVICE_LOOKUP_TIMEOUT_MS);
				const decider = new NoticeDecider(db, { publicUrl: config.publicUrl, unsubscribeSecret: config.unsubscribeSecret, devices, pushConfigured: options.push !== undefined, now });
				state.decider = decider;
				state.email = new EmailChannel({ smtpUrl: config.smtpUrl, from: config.mailFrom, timeoutMs: config.smtpTimeoutMs, log: (line) => this.logger.info(line) });
				state.webhook = new WebhookChannel({ db, policy, timeoutMs: config.webhookTimeoutMs });
				const inbox = new InboxChannel(db, (event: InboxEvent) => void this.broker.broadcast(INBOX_CREATED_EVENT, event));
				if (options.noWorker) return;
				state.worker = new DeliveryWorker({
					db,
					node: this.broker.nodeID,
					senders: { email: state.email, webhook: state.webhook, inbox, push: new PushChannel(options.push, devices) },
					batchSize: config.batchSize,
					concurrency: config.concurrency,
					leaseMs: config.leaseMs,
					pollMs: config.pollMs,
					maxAttempts: config.maxAttempts,
					retryBaseMs: config.retryBaseMs,
					retryMaxMs: config.retryMaxMs,
					onError: (err) => this.logger.warn(`Delivery worker: ${err instanceof Error ? err.message : String(err)}`),
					onClosed: async (delivery, outcome, final) => {
						const channel = delivery.channel === "push" ? undefined : delivery.channel;
						if (channel && final === "sent") incrementMetric(this.broker, "notificationsSent", { channel });
						if (channel && final === "failed") incrementMetric(this.broker, "notificationsFailed", { channel });
						if (delivery.channel !== "webhook" || outcome.kind === "skipped") return;
						if (outcome.kind === "sent") {
							await recordWebhookSuccess(db, delivery.target);
							return;
						}
						const disabled = await recordWebhookFailure(db, delivery.target, config.webhookDisableAfterMs, outcome.error, now());
						if (disabled) await decider.webhookDisabled(disabled);
					}
				});
				state.worker.start();
				const tick = (): void => {
					void (async () => {
						try {
							if ((await collectDigests(db, config)) > 0) state.worker?.wake();
							setMetric(this.broker, "notificationsBacklog", await backlog(db));
						} catch (err) {
							this.logger.warn(`Notification housekeeping: ${err instanceof Error ? err.message : String(err)}`);
						}
					})();
				};
				tick();
				state.backlogTimer = setInterval(tick, 5_000);
				state.backlogTimer.unref();
			});
		},

		async stopped(this: NotificationThis): Promise<void> {
			const state = stateOf(this);
			state.stopped = true;
			clearInterval(state.backlogTimer);
			await state.worker?.stop();
			state.worker = undefined;
			state.email?.close();
			await state.webhook?.close();
		}
	};
}

export default NotificationService();
