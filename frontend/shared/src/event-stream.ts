/**
 * The platform's SSE stream (`/api/v1/events`) read with fetch, because the browser's EventSource
 * cannot send the Authorization header the gateway checks. eventsource-parser (a small, well-kept
 * parser of the SSE format) does the framing; this reconnects after the server's `retry` delay with
 * a fresh token (the gateway ends a stream when the token it was opened with expires).
 */
import { createParser } from "eventsource-parser";
import type { TokenSource } from "./api-client.ts";

export type StreamState = "connecting" | "open" | "closed";

export interface EventStreamOptions {
	url: string;
	tokens: TokenSource;
	onEvent(name: string, data: unknown): void;
	onState?(state: StreamState): void;
	/** Delay before reconnecting when the server has not said (`retry:`). */
	retryMs?: number;
}

/** Opens the stream and keeps it open until the returned function is called. */
export function openEventStream(options: EventStreamOptions): () => void {
	const controller = new AbortController();
	let retryMs = options.retryMs ?? 3_000;

	async function once(): Promise<void> {
		options.onState?.("connecting");
		const token = options.tokens.accessToken();
		const res = await fetch(options.url, { headers: { Accept: "text/event-stream", ...(token ? { Authorization: `Bearer ${token}` } : {}) }, signal: controller.signal });
		if (res.status === 401) {
			await options.tokens.refresh();
			return;
		}
		if (!res.ok || !res.body) throw new Error(`The event stream answered ${res.status}`);
		options.onState?.("open");
		const parser = createParser({
			onEvent(event) {
				let data: unknown = event.data;
				try {
					data = JSON.parse(event.data) as unknown;
				} catch {
					// A plain-text payload is passed on as it is.
				}
				options.onEvent(event.event ?? "message", data);
			},
			onRetry(ms) {
				retryMs = ms;
			}
		});
		const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return;
			parser.feed(value);
		}
	}

	void (async () => {
		while (!controller.signal.aborted) {
			try {
				await once();
			} catch {
				// Dropped or refused: shown as closed, then tried again after the delay.
			}
			if (controller.signal.aborted) break;
			options.onState?.("closed");
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, retryMs);
				controller.signal.addEventListener("abort", () => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
	})();
	return () => controller.abort();
}
