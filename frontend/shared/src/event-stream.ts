/**
 * A server-sent event stream that carries the user's access token. The browser's EventSource
 * cannot send an Authorization header, and the gateway accepts a stream's credentials only there
 * (never in the URL, where logs and history would keep them), so the stream is read with fetch and
 * parsed by eventsource-parser. What EventSource would do is kept: reconnect after the server's
 * `retry:`, and on top of it what a token needs: a 401 or the gateway's `reauthenticate` frame
 * (sent when the token the stream opened with expires) renews the token and reconnects at once.
 */
import { createParser } from "eventsource-parser";
import type { TokenSource } from "./api-client.ts";

export type StreamState = "connecting" | "open" | "closed";

export interface AuthorizedStreamOptions {
	url: string;
	tokens: TokenSource;
	/** Aborting it ends the stream for good. */
	signal: AbortSignal;
	onEvent(event: string, data: unknown): void;
	onState?(state: StreamState): void;
	/** Until the server says otherwise with `retry:`. */
	retryMs?: number;
	/**
	 * Nothing at all (not even the gateway's keep-alive comment, every 15 s) for this long means the
	 * connection is dead without having closed, as behind a proxy that lost it: reconnect.
	 */
	idleMs?: number;
}

const MAX_BACKOFF_MS = 60_000;

function pause(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(done, ms);
		function done(): void {
			clearTimeout(timer);
			signal.removeEventListener("abort", done);
			resolve();
		}
		signal.addEventListener("abort", done, { once: true });
	});
}

function parseData(data: string): unknown {
	try {
		return JSON.parse(data) as unknown;
	} catch {
		return data;
	}
}

/** Reads the stream until `signal` aborts or the session cannot be renewed; never rejects. */
export async function runAuthorizedStream(options: AuthorizedStreamOptions): Promise<void> {
	const { signal, tokens } = options;
	const idleMs = options.idleMs ?? 45_000;
	let retryMs = options.retryMs ?? 5_000;
	let failures = 0;
	const setState = (state: StreamState) => options.onState?.(state);
	try {
		while (!signal.aborted) {
			const token = tokens.accessToken();
			if (!token) return;
			setState("connecting");
			const connection = new AbortController();
			const both = AbortSignal.any([signal, connection.signal]);
			let res: Response;
			try {
				res = await fetch(options.url, { headers: { Accept: "text/event-stream", Authorization: `Bearer ${token}` }, cache: "no-store", signal: both });
			} catch {
				if (signal.aborted) return;
				failures++;
				await pause(Math.min(retryMs * 2 ** (failures - 1), MAX_BACKOFF_MS), signal);
				continue;
			}
			if (res.status === 401) {
				await res.body?.cancel();
				// Another request may have renewed the token meanwhile; otherwise renew it here.
				if (tokens.accessToken() === token && !(await tokens.refresh())) return;
				continue;
			}
			if (!res.ok || !res.body) {
				await res.body?.cancel();
				failures++;
				await pause(Math.min(retryMs * 2 ** (failures - 1), MAX_BACKOFF_MS), signal);
				continue;
			}
			failures = 0;
			setState("open");
			let reauthenticate = false;
			let idle = setTimeout(() => connection.abort(), idleMs);
			const parser = createParser({
				onEvent(message) {
					if (message.event === "reauthenticate") reauthenticate = true;
					else options.onEvent(message.event ?? "message", parseData(message.data));
				},
				onRetry(ms) {
					retryMs = ms;
				}
			});
			const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
			try {
				for (;;) {
					const { value, done } = await reader.read();
					if (done) break;
					clearTimeout(idle);
					idle = setTimeout(() => connection.abort(), idleMs);
					parser.feed(value);
				}
			} catch {
				// The connection broke (or went idle): reconnect below, as EventSource would.
			} finally {
				clearTimeout(idle);
				reader.releaseLock();
			}
			if (signal.aborted) return;
			if (reauthenticate) {
				if (tokens.accessToken() === token && !(await tokens.refresh())) return;
				continue;
			}
			setState("connecting");
			await pause(retryMs, signal);
		}
	} finally {
		setState("closed");
	}
}

export type EventStreamOptions = Omit<AuthorizedStreamOptions, "signal">;

/** The same stream for callers that hold a stop function rather than a signal (the admin's hooks). */
export function openEventStream(options: EventStreamOptions): () => void {
	const controller = new AbortController();
	void runAuthorizedStream({ ...options, signal: controller.signal });
	return () => controller.abort();
}
