/**
 * Push deliveries through a provider (notification.contract.ts `PushProvider`). None is wired yet:
 * deliveries are then recorded as skipped when planned, and this sender is not reached. A provider
 * error is tried again like any network failure.
 */
import type { PushProvider } from "../notification.contract.ts";
import type { ChannelSender, SendOutcome } from "../outbox/delivery-worker.ts";
import type { Delivery } from "../outbox/outbox-store.ts";

export class PushChannel implements ChannelSender {
	readonly #provider: PushProvider | undefined;

	constructor(provider: PushProvider | undefined) {
		this.#provider = provider;
	}

	async send(delivery: Delivery): Promise<SendOutcome> {
		if (!this.#provider) return { kind: "skipped", reason: "no push provider is configured" };
		const m = delivery.message;
		try {
			await this.#provider.send(
				{ id: delivery.target, platform: String(m.platform ?? ""), token: String(m.token ?? "") },
				{ title: String(m.title ?? ""), body: String(m.body ?? ""), link: typeof m.link === "string" ? m.link : null }
			);
			return { kind: "sent" };
		} catch (err) {
			return { kind: "retry", error: err instanceof Error ? err.message : String(err) };
		}
	}
}
