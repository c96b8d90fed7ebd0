/**
 * Server-sent events to browsers (moleculer-web has no SSE of its own, FACTS.md).
 *
 * The streams are served beside moleculer-web, not as an alias of it: an alias would hold a
 * `rest` context open for the life of each stream, so every dashboard would take a bulkhead slot
 * from the REST API and keep a draining node waiting for its tracked contexts.
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
}

export const DEFAULT_SSE_OPTIONS: SseOptions = {
	maxClients: 500,
	keepAliveMs: 15_000,
	maxBufferedBytes: 1024 * 1024
};

export class SseHub {
	private readonly clients = new Set<ServerResponse>();
	private readonly options: SseOptions;
	private keepAlive: NodeJS.Timeout | undefined;
	private closed = false;

	constructor(options: Partial<SseOptions> = {}) {
		this.options = { ...DEFAULT_SSE_OPTIONS, ...options };
	}

	get size(): number {
		return this.clients.size;
	}

	/** Takes over the response as an event stream, or answers 503 when full or closing. */
	accept(req: IncomingMessage, res: ServerResponse): boolean {
		if (this.closed) {
			writeErrorOf(res, 503, "SHUTTING_DOWN", "This node is shutting down; reconnect to another");
			return false;
		}
		if (this.clients.size >= this.options.maxClients) {
			writeErrorOf(res, 503, "TOO_MANY_STREAMS", `This node already serves ${this.options.maxClients} event streams; try again later`);
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
		this.clients.add(res);
		const forget = (): void => {
			this.clients.delete(res);
			if (this.clients.size === 0) this.stopKeepAlive();
		};
		req.once("close", forget);
		res.once("close", forget);
		this.startKeepAlive();
		return true;
	}

	publish(event: string, data: unknown): void {
		if (this.clients.size === 0) return;
		// JSON.stringify escapes newlines, so the data is always one `data:` line.
		const frame = `event: ${event}\ndata: ${JSON.stringify(data ?? null)}\n\n`;
		for (const res of this.clients) this.send(res, frame);
	}

	/** Ends every stream; new ones are refused from now on. */
	close(): void {
		this.closed = true;
		this.stopKeepAlive();
		for (const res of this.clients) res.end();
		this.clients.clear();
	}

	private send(res: ServerResponse, frame: string): void {
		if (res.writableLength > this.options.maxBufferedBytes) {
			this.clients.delete(res);
			res.destroy();
			return;
		}
		res.write(frame);
	}

	private startKeepAlive(): void {
		if (this.keepAlive) return;
		this.keepAlive = setInterval(() => {
			for (const res of this.clients) this.send(res, ": keep-alive\n\n");
		}, this.options.keepAliveMs);
		this.keepAlive.unref();
	}

	private stopKeepAlive(): void {
		clearInterval(this.keepAlive);
		this.keepAlive = undefined;
	}
}
