/**
 * In-app inbox deliveries: one row per delivery key (a retry adds nothing), then announced so the
 * user's open streams show it at once. The announcement is best effort; the row is the truth.
 */
import type { Database } from "../../../runtime/storage/database.ts";
import type { InboxEvent } from "../notification.contract.ts";
import type { ChannelSender, SendOutcome } from "../outbox/delivery-worker.ts";
import type { Delivery } from "../outbox/outbox-store.ts";
import { addInboxItem } from "../stores/inbox-store.ts";

export class InboxChannel implements ChannelSender {
	readonly #db: Database;
	readonly #announce: (event: InboxEvent) => void;

	constructor(db: Database, announce: (event: InboxEvent) => void) {
		this.#db = db;
		this.#announce = announce;
	}

	async send(delivery: Delivery): Promise<SendOutcome> {
		const m = delivery.message;
		const item = await addInboxItem(this.#db, {
			userId: delivery.target,
			deliveryKey: delivery.idempotencyKey,
			eventId: delivery.eventId,
			kind: String(m.kind ?? ""),
			title: String(m.title ?? ""),
			body: String(m.body ?? ""),
			link: typeof m.link === "string" ? m.link : null
		});
		if (item) this.#announce({ userId: delivery.target, item });
		return { kind: "sent" };
	}
}
