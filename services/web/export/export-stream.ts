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

/**
 * A batch's records as one Buffer, written line by line: joining them into one string first made a
 * flat string of a few hundred kB per batch, which V8 keeps in its large-object space until a full
 * collection, and the node's RSS grew by over 100 MB during a million-ballot export.
 */
function chunkOf(rows: readonly ExportRow[], recordEnd: string): Buffer | undefined {
	let size = 0;
	for (const row of rows) if (row.line !== null) size += Buffer.byteLength(row.line, "utf8") + recordEnd.length;
	if (size === 0) return undefined;
	const chunk = Buffer.allocUnsafe(size);
	let at = 0;
	for (const row of rows) {
		if (row.line === null) continue;
		at += chunk.write(row.line, at, "utf8");
		at += chunk.write(recordEnd, at, "latin1");
	}
	return chunk;
}

export class ExportStream extends Readable {
	private readonly batches: AsyncGenerator<ExportRow[], void, undefined>;
	private readonly options: ExportStreamOptions;
	private first: Buffer[] | undefined;
	private exhausted: boolean;
	private reading = false;
	private idleTimer: NodeJS.Timeout | undefined;
	/** Bytes handed to the consumer so far. */
	bytesOut = 0;

	private constructor(batches: AsyncGenerator<ExportRow[], void, undefined>, first: Buffer[], exhausted: boolean, options: ExportStreamOptions) {
		super();
		this.batches = batches;
		this.first = first;
		this.exhausted = exhausted;
		this.options = options;
	}

	/** Reads the first batch, then hands over a stream that starts with the header and it. */
	static async open(batches: AsyncGenerator<ExportRow[], void, undefined>, options: ExportStreamOptions): Promise<ExportStream> {
		const first = await batches.next();
		const chunks = [Buffer.from(options.header, "utf8"), first.done ? undefined : chunkOf(first.value, options.recordEnd)].filter((c): c is Buffer => c !== undefined && c.length > 0);
		const stream = new ExportStream(batches, chunks, first.done === true, options);
		stream.armIdle();
		return stream;
	}

	override _read(): void {
		clearTimeout(this.idleTimer);
		if (this.first !== undefined) {
			const first = this.first;
			this.first = undefined;
			if (first.length > 0) {
				for (const chunk of first) this.deliver(chunk);
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
		this.nextChunk().then(
			(chunk) => {
				this.reading = false;
				if (this.destroyed) return;
				if (chunk === undefined) {
					this.exhausted = true;
					this.push(null);
				} else this.deliver(chunk);
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

	/** The next non-empty chunk, or undefined at the end (a batch of votes may hold no matching ballot). */
	private async nextChunk(): Promise<Buffer | undefined> {
		for (;;) {
			const next = await this.batches.next();
			if (next.done) return undefined;
			const chunk = chunkOf(next.value, this.options.recordEnd);
			if (chunk) return chunk;
		}
	}

	private deliver(chunk: Buffer): void {
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
