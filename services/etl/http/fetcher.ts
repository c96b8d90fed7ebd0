/**
 * HTTP for the connectors: polite (one request at a time, a minimum interval between request
 * starts), bounded (a timeout per request, a bounded number of tries), patient with a busy or
 * failing server (429 honouring Retry-After, 5xx, network errors and timeouts are retried with
 * exponential backoff) and cancellable (an AbortSignal stops waits and requests at once).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelay, parseRetryAfter } from "./retry-delay.ts";
import { PageShape } from "../records/openparliament-shapes.ts";
import { describeZodError, type DataQualityIssue } from "../records/data-quality.ts";

export interface FetchProgress {
	requests: number;
	retries: number;
	pages: number;
	/** Items seen on list pages. */
	records: number;
	/** The URL just fetched. */
	url: string;
}

export interface RetryNotice {
	url: string;
	/** The try that failed, from 1. */
	tryNumber: number;
	reason: string;
	delayMs: number;
}

export interface FetcherOptions {
	/** Relative paths and relative next_url values resolve against this. */
	baseUrl: string;
	/** Minimum time between the starts of two requests. */
	minIntervalMs?: number;
	/** Per request, body included. */
	timeoutMs?: number;
	/** Tries per URL, the first included. */
	maxTries?: number;
	backoffBaseMs?: number;
	backoffMaxMs?: number;
	/** A Retry-After longer than this is cut to it, so one bad header cannot park a run for a day. */
	retryAfterMaxMs?: number;
	headers?: Record<string, string>;
	signal?: AbortSignal;
	onProgress?: (progress: FetchProgress) => void;
	onRetry?: (notice: RetryNotice) => void;
}

export interface Fetched<T> {
	url: string;
	fetchedAt: Date;
	body: T;
	/** The response text a JSON body was parsed from, kept so a page can be stored as received. */
	text?: string;
}

export class HttpError extends Error {
	override name = "HttpError";
	readonly status: number | undefined;
	readonly url: string;

	constructor(message: string, url: string, status?: number, options?: ErrorOptions) {
		super(message, options);
		this.url = url;
		this.status = status;
	}
}

const DEFAULT_HEADERS = {
	accept: "application/json",
	// openparliament asks API users to identify themselves and to name the API version they expect.
	"user-agent": "openpolicy-platform-etl (+https://github.com/openpolicy)",
	"api-version": "v1"
};

export class Fetcher {
	readonly baseUrl: string;
	readonly #options: Required<Omit<FetcherOptions, "signal" | "onProgress" | "onRetry" | "headers">>;
	readonly #headers: Record<string, string>;
	readonly #signal: AbortSignal | undefined;
	readonly #onProgress: ((progress: FetchProgress) => void) | undefined;
	readonly #onRetry: ((notice: RetryNotice) => void) | undefined;
	#nextStart = 0;
	readonly progress: FetchProgress = { requests: 0, retries: 0, pages: 0, records: 0, url: "" };

	constructor(options: FetcherOptions) {
		this.baseUrl = options.baseUrl;
		this.#options = {
			baseUrl: options.baseUrl,
			minIntervalMs: options.minIntervalMs ?? 250,
			timeoutMs: options.timeoutMs ?? 20_000,
			maxTries: Math.max(1, options.maxTries ?? 5),
			backoffBaseMs: options.backoffBaseMs ?? 500,
			backoffMaxMs: options.backoffMaxMs ?? 30_000,
			retryAfterMaxMs: options.retryAfterMaxMs ?? 120_000
		};
		this.#headers = { ...DEFAULT_HEADERS, ...options.headers };
		this.#signal = options.signal;
		this.#onProgress = options.onProgress;
		this.#onRetry = options.onRetry;
	}

	resolve(pathOrUrl: string): string {
		return new URL(pathOrUrl, this.baseUrl).href;
	}

	async getText(pathOrUrl: string): Promise<Fetched<string>> {
		const url = this.resolve(pathOrUrl);
		const opts = this.#options;
		for (let tryNumber = 1; ; tryNumber++) {
			this.#signal?.throwIfAborted();
			await this.#pace();
			let reason: string;
			let delayMs: number | undefined;
			let cause: unknown;
			let status: number | undefined;
			try {
				this.progress.requests++;
				const signal = this.#signal
					? AbortSignal.any([this.#signal, AbortSignal.timeout(opts.timeoutMs)])
					: AbortSignal.timeout(opts.timeoutMs);
				const response = await fetch(url, { headers: this.#headers, signal, redirect: "follow" });
				if (response.ok) {
					const body = await response.text();
					this.progress.url = url;
					return { url, fetchedAt: new Date(), body };
				}
				await response.body?.cancel();
				if (response.status !== 429 && response.status < 500) {
					throw new HttpError(`GET ${url} answered ${response.status} ${response.statusText}`, url, response.status);
				}
				status = response.status;
				reason = `HTTP ${response.status}`;
				const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
				if (retryAfter !== undefined) delayMs = Math.min(retryAfter, opts.retryAfterMaxMs);
			} catch (error) {
				if (this.#signal?.aborted) throw this.#signal.reason;
				if (error instanceof HttpError) throw error;
				cause = error;
				reason = error instanceof Error && error.name === "TimeoutError" ? `timed out after ${opts.timeoutMs} ms` : `network error: ${errorText(error)}`;
			}
			if (tryNumber >= opts.maxTries) {
				throw new HttpError(`GET ${url} failed after ${tryNumber} tries: ${reason}`, url, status, { cause });
			}
			delayMs ??= backoffDelay(tryNumber, opts.backoffBaseMs, opts.backoffMaxMs);
			this.progress.retries++;
			this.#onRetry?.({ url, tryNumber, reason, delayMs });
			await sleep(delayMs, undefined, this.#signal ? { signal: this.#signal } : undefined).catch(() => {
				throw this.#signal?.reason;
			});
		}
	}

	async getJson(pathOrUrl: string): Promise<Fetched<unknown>> {
		const fetched = await this.getText(pathOrUrl);
		try {
			return { ...fetched, body: JSON.parse(fetched.body) as unknown, text: fetched.body };
		} catch (error) {
			throw new HttpError(`GET ${fetched.url} did not return JSON: ${errorText(error)}`, fetched.url, undefined, { cause: error });
		}
	}

	/**
	 * Follows openparliament-style pagination from `start`. A page that is not a page, or a next_url
	 * already fetched (a server bug that would otherwise loop forever), ends the walk with an issue.
	 */
	async *pages(start: string, source: string, onIssue: (issue: DataQualityIssue) => void): AsyncGenerator<Fetched<PageShape>> {
		const seen = new Set<string>();
		let next: string | null = this.resolve(start);
		while (next !== null) {
			seen.add(next);
			const fetched = await this.getJson(next);
			const parsed = PageShape.safeParse(fetched.body);
			if (!parsed.success) {
				onIssue({ source, recordKey: fetched.url, reason: `not a page of results: ${describeZodError(parsed.error)}`, raw: fetched.body });
				return;
			}
			const page = parsed.data;
			this.progress.pages++;
			this.progress.records += page.objects.length;
			this.#report(fetched.url);
			yield { ...fetched, body: page };

			const rawNext = page.pagination.next_url;
			if (rawNext === null || rawNext === "") return;
			const resolved = this.resolve(rawNext);
			if (seen.has(resolved)) {
				onIssue({
					source,
					recordKey: fetched.url,
					reason: `next_url loop: ${resolved} was already fetched; pagination stopped`,
					raw: page.pagination
				});
				return;
			}
			next = resolved;
		}
	}

	/** Detail fetches and other single requests report progress too. */
	report(url: string): void {
		this.#report(url);
	}

	#report(url: string): void {
		this.progress.url = url;
		this.#onProgress?.({ ...this.progress });
	}

	/** Reserves the next start slot synchronously, so concurrent callers still queue politely. */
	async #pace(): Promise<void> {
		const now = Date.now();
		const start = Math.max(now, this.#nextStart);
		this.#nextStart = start + this.#options.minIntervalMs;
		if (start > now) {
			await sleep(start - now, undefined, this.#signal ? { signal: this.#signal } : undefined).catch(() => {
				throw this.#signal?.reason;
			});
		}
	}
}

function errorText(error: unknown): string {
	if (error instanceof Error) {
		const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
		return `${error.message}${cause}`;
	}
	return String(error);
}
