/**
 * The HTTP body of an export: a Readable that asks the database for the next batch only when the
 * consumer (moleculer-web piping into the socket) asks for more, so a slow client holds a batch or
 * two, never the result. The first batch is read before the stream is handed over, so a database
 * that is away is a 503 in the error shape, not a 200 cut short.
 *
 * A consumer that stops reading for `idleMs` ends the export: on PostgreSQL the read holds a
 * connection and a transaction, which must not be kept by a client that went silent (the server
 * would end such a transaction anyway after idle_in_transaction_session_timeout).
 */
import { Readable } from "node:stream";
import type { ExportRow } from "./export-store.ts";

export interface ExportStreamOptions {
	/** Written before the first record (the CSV header), or empty. */
	header: string;
	recordEnd: string;
	idleMs: number;
}

export class ExportIdleError extends Error {
	override name = "ExportIdleError";
}

function textOf(rows: readonly ExportRow[], recordEnd: string): string {
	let text = "";
	for (const row of rows) if (row.line !== null) text += row.line + recordEnd;
	return text;
}

export class ExportStream extends Readable {
	private readonly batches: AsyncGenerator<ExportRow[], void, undefined>;
	private readonly options: ExportStreamOptions;
	private first: string | undefined;
	private exhausted: boolean;
	private reading = false;
	private idleTimer: NodeJS.Timeout | undefined;
	/** Bytes handed to the consumer so far. */
	bytesOut = 0;

	private constructor(batches: AsyncGenerator<ExportRow[], void, undefined>, first: string, exhausted: boolean, options: ExportStreamOptions) {
		super();
		this.batches = batches;
		this.first = first;
		this.exhausted = exhausted;
		this.options = options;
	}

	/** Reads the first batch, then hands over a stream that starts with the header and it. */
	static async open(batches: AsyncGenerator<ExportRow[], void, undefined>, options: ExportStreamOptions): Promise<ExportStream> {
		const first = await batches.next();
		const stream = new ExportStream(batches, options.header + (first.done ? "" : textOf(first.value, options.recordEnd)), first.done === true, options);
		stream.armIdle();
		return stream;
	}

	override _read(): void {
		clearTimeout(this.idleTimer);
		if (this.first !== undefined) {
			const first = this.first;
			this.first = undefined;
			if (first.length > 0) {
				this.deliver(first);
				if (this.exhausted) this.push(null);
				return;
			}
		}
		if (this.exhausted) {
			this.push(null);
			return;
		}
		if (this.reading) return;
		this.reading = true;
		this.nextText().then(
			(text) => {
				this.reading = false;
				if (this.destroyed) return;
				if (text === undefined) {
					this.exhausted = true;
					this.push(null);
				} else this.deliver(text);
			},
			(err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err)))
		);
	}

	override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
		clearTimeout(this.idleTimer);
		// Ends the read where it is: the cursor is closed and its connection returned.
		this.batches.return(undefined).catch(() => undefined);
		callback(err);
	}

	/** The next non-empty text, or undefined at the end (a batch of votes may hold no matching ballot). */
	private async nextText(): Promise<string | undefined> {
		for (;;) {
			const next = await this.batches.next();
			if (next.done) return undefined;
			const text = textOf(next.value, this.options.recordEnd);
			if (text.length > 0) return text;
		}
	}

	private deliver(text: string): void {
		if (text.length === 0) return;
		const chunk = Buffer.from(text, "utf8");
		this.bytesOut += chunk.length;
		this.push(chunk);
		this.armIdle();
	}

	private armIdle(): void {
		clearTimeout(this.idleTimer);
		this.idleTimer = setTimeout(() => this.destroy(new ExportIdleError(`the client read nothing for ${this.options.idleMs} ms`)), this.options.idleMs);
		this.idleTimer.unref();
	}
}
