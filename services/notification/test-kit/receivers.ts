/**
 * Real receivers for the notification tests: an SMTP server (the `smtp-server` package) that keeps
 * every message it accepted, parsed with mailparser, and an HTTP webhook receiver that checks the
 * signature and counts deliveries by idempotency key. Both listen on 127.0.0.1, port 0.
 */
import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from "../channels/webhook-signature.ts";

export interface ReceivedMail {
	to: string[];
	raw: string;
	parsed: ParsedMail;
}

export class SmtpSink {
	readonly mails: ReceivedMail[] = [];
	/**
	 * Connection errors seen, such as the reset of a sender killed mid-message (the crash test kills
	 * a worker on purpose). smtp-server emits them on the server; unheard, each would be an uncaught
	 * exception in the test process.
	 */
	readonly connectionErrors: Error[] = [];
	readonly #server: SMTPServer;
	port = 0;

	constructor() {
		this.#server = new SMTPServer({
			authOptional: true,
			disabledCommands: ["STARTTLS", "AUTH"],
			logger: false,
			onData: (stream, session, callback) => {
				const chunks: Buffer[] = [];
				stream.on("data", (c: Buffer) => chunks.push(c));
				stream.on("end", () => {
					const raw = Buffer.concat(chunks).toString("utf8");
					simpleParser(raw).then(
						(parsed) => {
							this.mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
							callback();
						},
						(err: Error) => callback(err)
					);
				});
			}
		});
		this.#server.on("error", (err: Error) => this.connectionErrors.push(err));
	}

	async listen(): Promise<string> {
		await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", () => resolve()));
		this.port = (this.#server.server.address() as AddressInfo).port;
		return `smtp://127.0.0.1:${this.port}`;
	}

	/** Distinct Message-IDs seen: a retried email carries the same one. */
	messageIds(): Set<string> {
		return new Set(this.mails.map((m) => m.parsed.messageId ?? ""));
	}

	close(): Promise<void> {
		return new Promise((resolve) => this.#server.close(() => resolve()));
	}
}

export interface WebhookHit {
	key: string;
	verified: boolean;
	timestamp: string;
	signature: string;
	body: string;
	status: number;
}

export class WebhookReceiver {
	readonly hits: WebhookHit[] = [];
	/** Keys accepted (answered 2xx with a valid signature), each counted once as a receiver would. */
	readonly accepted = new Map<string, number>();
	secret = "";
	/** Answers for the next requests, in order; 200 once they run out. */
	script: number[] = [];
	readonly #server: Server;
	url = "";

	constructor() {
		this.#server = createServer((req, res) => {
			void readBody(req).then((body) => {
				const key = String(req.headers[IDEMPOTENCY_HEADER] ?? "");
				const timestamp = String(req.headers[TIMESTAMP_HEADER] ?? "");
				const signature = String(req.headers[SIGNATURE_HEADER] ?? "");
				const verified = verifyWebhook(this.secret, { signature, timestamp }, body, Math.floor(Date.now() / 1000)).ok;
				const status = !verified ? 401 : (this.script.shift() ?? 200);
				this.hits.push({ key, verified, timestamp, signature, body, status });
				if (status >= 200 && status < 300) this.accepted.set(key, (this.accepted.get(key) ?? 0) + 1);
				res.writeHead(status, { "content-type": "text/plain" });
				res.end(String(status));
			}, () => res.destroy()); // a sender killed mid-body: nothing was delivered, nothing to count
		});
	}

	async listen(): Promise<string> {
		await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", () => resolve()));
		this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
		return this.url;
	}

	close(): Promise<void> {
		this.#server.closeAllConnections();
		return new Promise((resolve) => this.#server.close(() => resolve()));
	}
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
		req.on("error", reject);
	});
}

