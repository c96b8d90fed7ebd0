/**
 * Webhook deliveries: a signed POST of the delivery's JSON (webhook-signature.ts) to the
 * registered URL, through a connection whose every address is checked (runtime/net/), with no
 * redirects followed (a redirect could lead anywhere, so it counts as a failure). 2xx is success;
 * 5xx, 408, 429, timeouts and network errors are tried again; other answers fail for good.
 */
import { Agent, request } from "undici";
import type { AddressPolicy } from "../../../runtime/net/address-policy.ts";
import { guardedLookup, refusedCause, refusedLiteral } from "../../../runtime/net/guarded-lookup.ts";
import type { Database } from "../../../runtime/storage/database.ts";
import type { ChannelSender, SendOutcome } from "../outbox/delivery-worker.ts";
import type { Delivery } from "../outbox/outbox-store.ts";
import { getWebhookForDelivery } from "../stores/webhook-store.ts";
import { EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from "./webhook-signature.ts";

export interface WebhookChannelOptions {
	db: Database;
	policy: AddressPolicy;
	timeoutMs: number;
	now?: () => number;
}

const RETRIED_STATUSES = new Set([408, 425, 429]);

export class WebhookChannel implements ChannelSender {
	readonly #options: WebhookChannelOptions;
	readonly #agent: Agent;

	constructor(options: WebhookChannelOptions) {
		this.#options = options;
		this.#agent = new Agent({ connect: { lookup: guardedLookup(options.policy, "WEBHOOK_ALLOW_PRIVATE_NETWORKS"), timeout: options.timeoutMs }, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
	}

	async send(delivery: Delivery): Promise<SendOutcome> {
		const hook = await getWebhookForDelivery(this.#options.db, delivery.target);
		if (!hook) return { kind: "skipped", reason: "the webhook was deleted" };
		if (!hook.enabled) return { kind: "skipped", reason: `the webhook is disabled${hook.disabledReason ? `: ${hook.disabledReason}` : ""}` };
		const url = new URL(hook.url);
		if (refusedLiteral(this.#options.policy, url.hostname)) return { kind: "failed", error: `${url.hostname} is a loopback, private or link-local address` };
		const body = JSON.stringify(delivery.message.body ?? {});
		const timestamp = Math.floor((this.#options.now ?? Date.now)() / 1000);
		try {
			const res = await request(url, {
				method: "POST",
				dispatcher: this.#agent,
				signal: AbortSignal.timeout(this.#options.timeoutMs),
				headers: {
					"content-type": "application/json",
					"user-agent": "openpolicy-platform-webhooks",
					[SIGNATURE_HEADER]: signWebhook(hook.secret, timestamp, body),
					[TIMESTAMP_HEADER]: String(timestamp),
					[IDEMPOTENCY_HEADER]: delivery.idempotencyKey,
					[EVENT_HEADER]: String(delivery.message.kind ?? "")
				},
				body
			});
			// The answer's body is not ours to keep; reading it frees the connection.
			await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
			if (res.statusCode >= 200 && res.statusCode < 300) return { kind: "sent" };
			const reason = `the receiver answered ${res.statusCode}`;
			if (res.statusCode >= 500 || RETRIED_STATUSES.has(res.statusCode)) return { kind: "retry", error: reason };
			return { kind: "failed", error: res.statusCode >= 300 && res.statusCode < 400 ? `${reason} (redirects are not followed)` : reason };
		} catch (err) {
			const refused = refusedCause(err);
			if (refused) return { kind: "failed", error: refused.message };
			const name = err instanceof Error ? err.name : "";
			const message = err instanceof Error ? err.message : String(err);
			return { kind: "retry", error: name === "TimeoutError" || name === "AbortError" ? `no answer within ${this.#options.timeoutMs} ms` : message };
		}
	}

	async close(): Promise<void> {
		await this.#agent.close();
	}
}
