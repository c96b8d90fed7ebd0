/**
 * From a notice and the users it concerns to the deliveries of each channel they chose: the
 * inbox, an email (now, or held for their morning's digest), push to their devices (skipped
 * without a provider), and their webhooks subscribed to the notice's kind. Public notices also
 * reach the webhooks API keys registered for that kind.
 */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { renderEmail, shortMessage } from "../messages.ts";
import { type Device, type DeviceDirectory, NO_PUSH_PROVIDER } from "../notification.contract.ts";
import type { NewDelivery, NoticeEvent } from "../outbox/outbox-store.ts";
import { recipients } from "../stores/recipient-store.ts";
import { subscribedWebhooks } from "../stores/webhook-store.ts";
import { unsubscribeToken } from "../unsubscribe-token.ts";

export interface PlanContext {
	publicUrl: string;
	unsubscribeSecret: string;
	pushConfigured: boolean;
	now: () => Date;
}

/** Kinds an owner cannot switch off by email: they are about the account's own safety. */
const ALWAYS_EMAILED = new Set(["account.security", "webhook.disabled"]);

/** The next start of `hour` o'clock in `timeZone` after `now` (to the hour; a :30 zone gets :30). */
export function nextMorning(now: Date, timeZone: string, hour: number): Date {
	const format = new Intl.DateTimeFormat("en-CA", { timeZone, hour: "numeric", hourCycle: "h23" });
	const start = new Date(now);
	start.setUTCMinutes(0, 0, 0);
	for (let step = 1; step <= 48; step++) {
		const at = new Date(start.getTime() + step * 3_600_000);
		if (Number(format.format(at)) === hour) return at;
	}
	return new Date(now.getTime() + 24 * 3_600_000);
}

export function webhookBody(notice: NoticeEvent): Record<string, unknown> {
	return { id: notice.id, kind: notice.kind, subject: notice.subject, occurredAt: (notice.occurredAt ?? new Date()).toISOString(), title: notice.title, body: notice.body, link: notice.link, data: notice.data };
}

/** The devices of the users that were asked about (before the decision's transaction: see lookupDevices). */
export interface KnownDevices {
	asked: ReadonlySet<string>;
	byUser: ReadonlyMap<string, Device[]>;
}

export const NOTHING_KNOWN: KnownDevices = { asked: new Set(), byUser: new Map() };

export async function planDeliveries(tx: SqlExecutor, notice: NoticeEvent, userIds: readonly string[], ctx: PlanContext, devices: KnownDevices = NOTHING_KNOWN): Promise<NewDelivery[]> {
	const out: NewDelivery[] = [];
	const people = await recipients(tx, [...new Set(userIds)]);
	for (const person of people) {
		const prefs = person.preferences;
		const short = shortMessage(notice, person.language);
		if (prefs.inbox.enabled) out.push({ userId: person.userId, channel: "inbox", target: person.userId, message: { ...short } });
		if (prefs.email.enabled || ALWAYS_EMAILED.has(notice.kind)) {
			const links = {
				unsubscribeUrl: `${ctx.publicUrl}/unsubscribe/${unsubscribeToken(ctx.unsubscribeSecret, { userId: person.userId, channel: "email" })}`,
				preferencesUrl: `${ctx.publicUrl}/account/notifications`
			};
			const digest = prefs.email.mode === "daily" && !ALWAYS_EMAILED.has(notice.kind);
			out.push({
				userId: person.userId,
				channel: "email",
				target: person.email,
				message: { ...renderEmail(notice, person.language, links), ...(digest ? { digest: { title: short.title, body: short.body, link: short.link } } : {}) },
				...(digest ? { held: true, notBefore: nextMorning(ctx.now(), person.timeZone, person.digestHour) } : {})
			});
		}
		if (prefs.push.enabled) {
			if (!devices.asked.has(person.userId)) {
				// The mobile service did not answer (or the user was not known yet): one delivery that asks it when it is sent.
				out.push({ userId: person.userId, channel: "push", target: `user:${person.userId}`, message: { ...short, lookup: true } });
			} else {
				for (const device of devices.byUser.get(person.userId) ?? []) {
					out.push({
						userId: person.userId,
						channel: "push",
						target: device.id,
						message: { ...short, platform: device.platform, token: device.token },
						...(ctx.pushConfigured ? {} : { skipped: NO_PUSH_PROVIDER })
					});
				}
			}
		}
	}
	const owners = people.filter((p) => p.preferences.webhook.enabled).map((p) => `user:${p.userId}`);
	const hooks = await subscribedWebhooks(tx, notice.kind, owners, notice.public);
	for (const hook of hooks) out.push({ userId: hook.ownerUserId, channel: "webhook", target: hook.id, message: { kind: notice.kind, body: webhookBody(notice) } });
	return out;
}

/**
 * Asks for these users' devices. Called before the decision's transaction, never inside it: a
 * broker call must not hold a transaction open (on PGlite the mobile service's own query would
 * wait behind it until the call timed out). A directory that cannot answer asks nothing.
 */
export async function lookupDevices(directory: DeviceDirectory, userIds: readonly string[]): Promise<KnownDevices> {
	const unique = [...new Set(userIds)];
	if (unique.length === 0) return NOTHING_KNOWN;
	try {
		return { asked: new Set(unique), byUser: await directory.devicesOf(unique) };
	} catch {
		return NOTHING_KNOWN;
	}
}
