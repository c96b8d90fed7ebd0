/**
 * The loop each notification node runs: claim due deliveries (outbox-store.ts), send each through
 * its channel, close it. More nodes claim more (SKIP LOCKED); a node that dies leaves its claims
 * to the others once the lease runs out, which is at-least-once: the channels make it once for
 * the receiver (the inbox by its unique key, webhooks by the Idempotency-Key header, email by a
 * stable Message-ID), docs/decisions/0027-notification-outbox.md.
 */
import type { Database } from "../../../runtime/storage/database.ts";
import type { Channel } from "../notification.contract.ts";
import { type Claim, type Delivery, claimDue, closeDelivery, retryDelivery } from "./outbox-store.ts";
import { retryDelayMs } from "./retry-delay.ts";

export type SendOutcome =
	| { kind: "sent" }
	/** Worth another try (a timeout, a 5xx, a refused connection). */
	| { kind: "retry"; error: string }
	/** Never worth another try (a 4xx, a refused address, a rejected recipient). */
	| { kind: "failed"; error: string }
	| { kind: "skipped"; reason: string };

export interface ChannelSender {
	send(delivery: Delivery): Promise<SendOutcome>;
}

export interface WorkerOptions {
	db: Database;
	node: string;
	senders: Record<Channel, ChannelSender>;
	batchSize: number;
	concurrency: number;
	leaseMs: number;
	pollMs: number;
	maxAttempts: number;
	retryBaseMs: number;
	retryMaxMs: number;
	/** After each delivery is closed (metrics, webhook health); `final` is what was stored. */
	onClosed?: (delivery: Delivery, outcome: SendOutcome, final: "sent" | "failed" | "skipped" | "retry") => Promise<void> | void;
	onError: (err: unknown) => void;
}

export class DeliveryWorker {
	readonly #options: WorkerOptions;
	#timer: NodeJS.Timeout | undefined;
	#running: Promise<void> | undefined;
	#stopped = true;
	#again = false;

	constructor(options: WorkerOptions) {
		this.#options = options;
	}

	start(): void {
		this.#stopped = false;
		this.wake();
	}

	/** Runs a pass now (new deliveries were just recorded), or right after the current one. */
	wake(): void {
		if (this.#stopped) return;
		if (this.#running) {
			this.#again = true;
			return;
		}
		clearTimeout(this.#timer);
		this.#running = this.#pass().finally(() => {
			this.#running = undefined;
			if (this.#stopped) return;
			if (this.#again) {
				this.#again = false;
				this.wake();
				return;
			}
			this.#timer = setTimeout(() => this.wake(), this.#options.pollMs);
			this.#timer.unref();
		});
	}

	/** Waits for the deliveries in hand to close; none are claimed after this is called. */
	async stop(): Promise<void> {
		this.#stopped = true;
		clearTimeout(this.#timer);
		await this.#running;
	}

	async #pass(): Promise<void> {
		try {
			// Keep claiming while full batches come back, so a backlog drains without waiting for the poll.
			for (;;) {
				if (this.#stopped) return;
				const claimed = await claimDue(this.#options.db, this.#options.node, this.#options.batchSize, this.#options.leaseMs);
				if (claimed.length === 0) return;
				await this.#sendAll(claimed);
				if (claimed.length < this.#options.batchSize) return;
			}
		} catch (err) {
			this.#options.onError(err);
		}
	}

	async #sendAll(deliveries: Delivery[]): Promise<void> {
		let next = 0;
		const lane = async (): Promise<void> => {
			while (next < deliveries.length) {
				const delivery = deliveries[next++];
				if (delivery) await this.#deliver(delivery);
			}
		};
		await Promise.all(Array.from({ length: Math.min(this.#options.concurrency, deliveries.length) }, lane));
	}

	async #deliver(delivery: Delivery): Promise<void> {
		const o = this.#options;
		const claim: Claim = { id: delivery.id, node: o.node, attempt: delivery.attempts };
		let outcome: SendOutcome;
		try {
			outcome = await o.senders[delivery.channel].send(delivery);
		} catch (err) {
			// A sender that throws is a bug or an outage of its own: worth another try, not a crash.
			outcome = { kind: "retry", error: err instanceof Error ? err.message : String(err) };
		}
		try {
			let final: "sent" | "failed" | "skipped" | "retry";
			if (outcome.kind === "sent") {
				await closeDelivery(o.db, claim, "sent");
				final = "sent";
			} else if (outcome.kind === "skipped") {
				await closeDelivery(o.db, claim, "skipped", outcome.reason);
				final = "skipped";
			} else if (outcome.kind === "retry" && delivery.attempts < o.maxAttempts) {
				await retryDelivery(o.db, claim, retryDelayMs(delivery.attempts, o.retryBaseMs, o.retryMaxMs), outcome.error.slice(0, 500));
				final = "retry";
			} else {
				await closeDelivery(o.db, claim, "failed", outcome.error.slice(0, 500));
				final = "failed";
			}
			await o.onClosed?.(delivery, outcome, final);
		} catch (err) {
			// The lease will hand the delivery to a node again; the receiver's key keeps that to one.
			o.onError(err);
		}
	}
}
