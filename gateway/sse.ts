/**
 * Server-sent events to browsers (moleculer-web has no SSE of its own, measurements on the project's machines).
 *
 * The streams are served beside moleculer-web, not as an alias of it: an alias would hold a
 * `rest` context open for the life of each stream, so every dashboard would take a bulkhead slot
 * from the REST API and keep a draining node waiting for its tracked contexts.
 *
 * Permissions are checked when a stream opens, so a stream must not outlive what authorised it: a
 * stream opened with an access token ends when that token would no longer be accepted (the client
 * reconnects with a fresh one and is checked again), and one opened with an API key ends when the
 * key is revoked. Each principal may hold a few streams only, so one account cannot take the node's
 * whole allowance.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { writeErrorOf } from "./errors.ts";

export interface SseOptions {
	/** Streams beyond this are refused with 503, so dashboards cannot exhaust the node. */
	maxClients: number;
	/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
	keepAliveMs: number;
	/** A client that lets this much pile up unread is cut off rather than buffered without bound. */
	maxBufferedBytes: number;
	/** Streams one user or API key may hold at once on this node; more are refused with 429. */
	maxPerPrincipal: number;
}

/** Who opened a stream, and until when what they showed is valid. */
export interface StreamHolder {
	/** `user:<id>` or `key:<id>`; streams of one holder count against maxPerPrincipal. */
	principal: string;
	/** Milliseconds since the epoch (on the hub's clock) after which the stream is ended; none for API keys. */
	expiresAt?: number;
}

interface Stream {
	holder: StreamHolder | undefined;
	timer: NodeJS.Timeout | undefined;
}

export const DEFAULT_SSE_OPTIONS: SseOptions = {
	maxClients: 500,
	keepAliveMs: 15_000,
	maxBufferedBytes: 1024 * 1024,
	maxPerPrincipal: 5
};

/** Sent before a stream is ended because its credentials ran out, so a client knows to sign in again. */
const REAUTHENTICATE_FRAME = (reason: string): string => `event: reauthenticate\ndata: ${JSON.stringify({ reason })}\n\n`;

export class SseHub {
	private readonly clients = new Map<ServerResponse, Stream>();
	private readonly options: SseOptions;
	/** The clock tokens are checked against (the gateway's), so expiry agrees with the authenticator. */
	private readonly now: () => number;
	private keepAlive: NodeJS.Timeout | undefined;
	private closed = false;
	/** Where a failure in the hub's own timers goes: they run outside any request, so nothing else would catch it. */
	private readonly onFault: (err: unknown) => void;

	constructor(options: Partial<SseOptions> = {}, now: () => number = Date.now, onFault: (err: unknown) => void = (err) => process.emitWarning(String(err))) {
		this.options = { ...DEFAULT_SSE_OPTIONS, ...options };
		this.now = now;
		this.onFault = onFault;
	}

	private guarded(fn: () => void): () => void {
		return () => {
			try {
				fn();
			} catch (err) {
				this.onFault(err);
			}
		};
	}

	get size(): number {
		return this.clients.size;
	}

	/** Streams held by one principal right now. */
	countOf(principal: string): number {
		let count = 0;
		for (const stream of this.clients.values()) if (stream.holder?.principal === principal) count++;
		return count;
	}

	/**
	 * Takes over the response as an event stream, or answers 503 when the node is full or closing and
	 * 429 when the holder already has its share of streams.
	 */
	accept(req: IncomingMessage, res: ServerResponse, holder?: StreamHolder): boolean {
		if (this.closed) {
			writeErrorOf(res, 503, "SHUTTING_DOWN", "This node is shutting down; reconnect to another");
			return false;
		}
		if (this.clients.size >= this.options.maxClients) {
			writeErrorOf(res, 503, "TOO_MANY_STREAMS", `This node already serves ${this.options.maxClients} event streams; try again later`);
			return false;
		}
		if (holder && this.countOf(holder.principal) >= this.options.maxPerPrincipal) {
			// A slot frees only when one of the holder's own streams closes, so no Retry-After is promised.
			writeErrorOf(res, 429, "TOO_MANY_STREAMS", `At most ${this.options.maxPerPrincipal} event streams per user or API key; close one first`);
			return false;
		}
		if (holder?.expiresAt !== undefined && holder.expiresAt <= this.now()) {
			writeErrorOf(res, 401, "UNAUTHORIZED", "The access token has expired");
			return false;
		}
		res.writeHead(200, {
			"Content-Type": "text/event-stream; charset=utf-8",
			"Cache-Control": "no-cache, no-transform",
			Connection: "keep-alive",
			// nginx buffers responses unless told otherwise, which would hold events back.
			"X-Accel-Buffering": "no"
		});
		// The first bytes flush the headers, so the client's `open` fires now, not at the first event.
		res.write("retry: 5000\n: connected\n\n");
		const stream: Stream = { holder, timer: undefined };
		if (holder?.expiresAt !== undefined) {
			// A timer ends it on time; the keep-alive sweep also checks, for a clock that is moved (tests)
			// or a timer that slept through a suspended machine.
			stream.timer = setTimeout(this.guarded(() => this.end(res, "token-expired")), Math.max(0, holder.expiresAt - this.now()));
			stream.timer.unref();
		}
		this.clients.set(res, stream);
		const forget = (): void => {
			clearTimeout(stream.timer);
			this.clients.delete(res);
			if (this.clients.size === 0) this.stopKeepAlive();
		};
		req.once("close", forget);
		res.once("close", forget);
		this.startKeepAlive();
		return true;
	}

	/** Ends every stream of `principal` (an API key was revoked); returns how many. */
	endPrincipal(principal: string, reason: string): number {
		let ended = 0;
		for (const [res, stream] of [...this.clients]) {
			if (stream.holder?.principal !== principal) continue;
			this.end(res, reason);
			ended++;
		}
		return ended;
	}

	publish(event: string, data: unknown): void {
		if (this.clients.size === 0) return;
		// JSON.stringify escapes newlines, so the data is always one `data:` line.
		const frame = `event: ${event}\ndata: ${JSON.stringify(data ?? null)}\n\n`;
		for (const res of this.clients.keys()) this.send(res, frame);
	}

	/** Sends to the streams of one holder only (a user's own inbox items). */
	publishTo(principal: string, event: string, data: unknown): void {
		const frame = `event: ${event}\ndata: ${JSON.stringify(data ?? null)}\n\n`;
		for (const [res, stream] of this.clients) if (stream.holder?.principal === principal) this.send(res, frame);
	}

	/** Ends every stream; new ones are refused from now on. */
	close(): void {
		this.closed = true;
		this.stopKeepAlive();
		for (const [res, stream] of this.clients) {
			clearTimeout(stream.timer);
			res.end();
		}
		this.clients.clear();
	}

	/** Tells the client why, then ends the stream; EventSource reconnects and is checked afresh. */
	private end(res: ServerResponse, reason: string): void {
		const stream = this.clients.get(res);
		if (!stream) return;
		clearTimeout(stream.timer);
		this.clients.delete(res);
		if (this.clients.size === 0) this.stopKeepAlive();
		if (res.writableLength <= this.options.maxBufferedBytes) res.write(REAUTHENTICATE_FRAME(reason));
		res.end();
	}

	private send(res: ServerResponse, frame: string): void {
		if (res.writableLength > this.options.maxBufferedBytes) {
			clearTimeout(this.clients.get(res)?.timer);
			this.clients.delete(res);
			res.destroy();
			return;
		}
		res.write(frame);
	}

	private startKeepAlive(): void {
		if (this.keepAlive) return;
		this.keepAlive = setInterval(
			this.guarded(() => {
				const now = this.now();
				for (const [res, stream] of [...this.clients]) {
					const expiresAt = stream.holder?.expiresAt;
					if (expiresAt !== undefined && expiresAt <= now) this.end(res, "token-expired");
					else this.send(res, ": keep-alive\n\n");
				}
			}),
			this.options.keepAliveMs
		);
		this.keepAlive.unref();
	}

	private stopKeepAlive(): void {
		clearInterval(this.keepAlive);
		this.keepAlive = undefined;
	}
}
