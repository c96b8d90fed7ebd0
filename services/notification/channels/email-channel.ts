/**
 * Email over SMTP with nodemailer (SMTP_URL). Without SMTP_URL (a laptop), messages are composed
 * the same way and written to the log instead of being sent.
 *
 * Each delivery's Message-ID is derived from its idempotency key, so an email retried after an
 * SMTP timeout carries the same Message-ID as the first try and mail systems can tell it is the
 * same message. The one-click unsubscribe of RFC 8058 rides in `List-Unsubscribe` and
 * `List-Unsubscribe-Post` headers (and as a link in both parts).
 */
import { createHash } from "node:crypto";
import nodemailer from "nodemailer";
import type { Transporter } from "nodemailer";
import type { ChannelSender, SendOutcome } from "../outbox/delivery-worker.ts";
import type { Delivery } from "../outbox/outbox-store.ts";

export interface EmailChannelOptions {
	smtpUrl: string | undefined;
	from: string;
	timeoutMs: number;
	/** Where messages go when there is no SMTP server (development). */
	log: (line: string) => void;
}

export interface EmailMessage {
	subject: string;
	text: string;
	html: string;
	unsubscribeUrl: string;
	language: string;
}

export function messageIdOf(idempotencyKey: string): string {
	return `<${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 40)}@notifications.openpolicy>`;
}

interface SmtpError {
	responseCode?: number;
	code?: string;
	message?: string;
}

export class EmailChannel implements ChannelSender {
	readonly #options: EmailChannelOptions;
	readonly #transport: Transporter;

	constructor(options: EmailChannelOptions) {
		this.#options = options;
		this.#transport = options.smtpUrl
			? nodemailer.createTransport({
					url: options.smtpUrl,
					// A pool of connections reused across deliveries: a TCP and SMTP handshake per message would halve throughput.
					pool: true,
					maxConnections: 5,
					connectionTimeout: options.timeoutMs,
					greetingTimeout: options.timeoutMs,
					socketTimeout: options.timeoutMs
				} as Parameters<typeof nodemailer.createTransport>[0])
			: nodemailer.createTransport({ jsonTransport: true });
	}

	async send(delivery: Delivery): Promise<SendOutcome> {
		const m = delivery.message as unknown as EmailMessage;
		try {
			const info = await this.#transport.sendMail({
				from: this.#options.from,
				to: delivery.target,
				subject: m.subject,
				text: m.text,
				html: m.html,
				messageId: messageIdOf(delivery.idempotencyKey),
				headers: {
					"List-Unsubscribe": `<${m.unsubscribeUrl}>`,
					"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
					"Content-Language": m.language,
					"X-OpenPolicy-Delivery": delivery.idempotencyKey
				}
			});
			if (!this.#options.smtpUrl) this.#options.log(`Email (no SMTP_URL, not sent) to ${delivery.target}: "${m.subject}" ${String((info as { messageId?: string }).messageId ?? "")}`);
			return { kind: "sent" };
		} catch (err) {
			const e = (typeof err === "object" && err !== null ? err : {}) as SmtpError;
			const message = `${e.code ?? "SMTP"}: ${e.message ?? String(err)}`;
			// 5xx is the server's final word on this message (unknown mailbox, refused); 4xx and lost connections pass.
			if (typeof e.responseCode === "number" && e.responseCode >= 500) return { kind: "failed", error: message };
			return { kind: "retry", error: message };
		}
	}

	close(): void {
		this.#transport.close();
	}
}
