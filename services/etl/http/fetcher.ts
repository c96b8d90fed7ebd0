/**
 * HTTP for the connectors: polite (one request at a time, a minimum interval between request
 * starts), bounded (a timeout per request, a bounded number of tries), patient with a busy or
 * failing server (429 honouring Retry-After, 5xx, network errors and timeouts are retried with
 * exponential backoff) and cancellable (an AbortSignal stops waits and requests at once).
 *
 * And confined (issue 9): redirects are followed by hand, each hop checked against the allowed URL
 * prefixes; pagination (next_url) and detail urls stay on the run's origin (`resolveOnOrigin`);
 * every address a name resolves to is checked when the socket connects (runtime/net/), so no
 * hop, DNS answer or literal address reaches loopback, private or link-local networks unless an
 * operator allowed them. Errors say the status and a short reason, never what the body held.
 */
import { isIP } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, fetch as undiciFetch } from "undici";
import { addressPolicy, type AddressPolicy } from "../../../runtime/net/address-policy.ts";
import { RefusedAddressError, guardedLookup, refusedCause } from "../../../runtime/net/guarded-lookup.ts";

export { RefusedAddressError };
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
	/**
	 * URL prefixes (`https://host/path/`) a redirect may lead to; the origin of `baseUrl` always is
	 * one. A redirect anywhere else fails the request.
	 */
	allowedUrlPrefixes?: readonly string[];
	/** Non-public networks the operator allows (ETL_ALLOW_PRIVATE_NETWORKS); none by default. */
	allowPrivateNetworks?: readonly string[];
	/** Redirects followed per request. */
	maxRedirects?: number;
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

/** True when `url` is under `prefix`: same origin, and the path starts with the prefix's path. */
export function isUnderPrefix(url: URL, prefix: string): boolean {
	const base = new URL(prefix);
	// An encoded slash or backslash could step out of the prefix on a server that decodes it.
	if (/%2f|%5c/i.test(url.pathname)) return false;
	return url.origin === base.origin && url.pathname.startsWith(base.pathname);
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const DEFAULT_HEADERS = {
	accept: "application/json",
	// openparliament asks API users to identify themselves and to name the API version they expect.
	"user-agent": "openpolicy-platform-etl (+https://github.com/openpolicy)",
	"api-version": "v1"
};

export class Fetcher {
	readonly baseUrl: string;
	readonly #options: Required<Omit<FetcherOptions, "signal" | "onProgress" | "onRetry" | "headers" | "allowedUrlPrefixes" | "allowPrivateNetworks" | "maxRedirects">>;
	readonly #headers: Record<string, string>;
	readonly #signal: AbortSignal | undefined;
	readonly #onProgress: ((progress: FetchProgress) => void) | undefined;
	readonly #onRetry: ((notice: RetryNotice) => void) | undefined;
	readonly #policy: AddressPolicy;
	readonly #redirectPrefixes: readonly string[];
	readonly #maxRedirects: number;
	#dispatcher: Agent | undefined;
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
		this.#policy = addressPolicy(options.allowPrivateNetworks ?? []);
		// A run under an allowed prefix (a source's pinned path) stays under the prefixes; a run
		// elsewhere (an operator's own --url) may also redirect within its own origin.
		const base = new URL(options.baseUrl);
		const prefixes = options.allowedUrlPrefixes ?? [];
		this.#redirectPrefixes = prefixes.some((prefix) => isUnderPrefix(base, prefix)) ? prefixes : [`${base.origin}/`, ...prefixes];
		this.#maxRedirects = options.maxRedirects ?? 5;
	}

	resolve(pathOrUrl: string): string {
		return new URL(pathOrUrl, this.baseUrl).href;
	}

	/**
	 * A URL a response named (next_url, an item's url), resolved and kept on the run's origin: a
	 * page of results cannot send the run to another host. Throws HttpError otherwise.
	 */
	resolveOnOrigin(pathOrUrl: string): string {
		const url = new URL(pathOrUrl, this.baseUrl);
		const origin = new URL(this.baseUrl).origin;
		if (url.origin !== origin) throw new HttpError(`${url.origin} is not the run's origin ${origin}; not followed`, url.href);
		return url.href;
	}

	/** The connection pool whose sockets check every resolved address; made on first use. */
	#agent(): Agent {
		this.#dispatcher ??= new Agent({ connect: { lookup: guardedLookup(this.#policy, "ETL_ALLOW_PRIVATE_NETWORKS") } });
		return this.#dispatcher;
	}

	/** Releases the connections; a fetcher is used for one run. */
	async close(): Promise<void> {
		await this.#dispatcher?.close();
		this.#dispatcher = undefined;
	}

	/** Refuses a URL whose scheme is not http(s) or whose host is a literal non-public address (no DNS, so no lookup to check). */
	#checkTarget(url: URL): void {
		if (url.protocol !== "http:" && url.protocol !== "https:") throw new HttpError(`GET ${url.href} refused: only http and https are fetched`, url.href);
		const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
		if (isIP(host) !== 0 && !this.#policy.permits(host)) {
			throw new HttpError(`GET ${url.href} refused: ${host} is a non-public address (allow it with ETL_ALLOW_PRIVATE_NETWORKS)`, url.href);
		}
	}

	/**
	 * One GET with redirects followed by hand, every hop checked (scheme, literal address, allowed
	 * prefixes), DNS answers checked by the agent. Returns the final response and its URL.
	 */
	async #get(start: string, signal: AbortSignal): Promise<{ response: Awaited<ReturnType<typeof undiciFetch>>; url: string }> {
		let url = new URL(start);
		for (let hop = 0; ; hop++) {
			this.#checkTarget(url);
			let response: Awaited<ReturnType<typeof undiciFetch>>;
			try {
				response = await undiciFetch(url, { headers: this.#headers, signal, redirect: "manual", dispatcher: this.#agent() });
			} catch (error) {
				const refused = refusedCause(error);
				if (refused) throw new HttpError(`GET ${url.href} refused: ${refused.message}`, url.href, undefined, { cause: refused });
				throw error;
			}
			if (!REDIRECT_STATUSES.has(response.status)) return { response, url: url.href };
			await response.body?.cancel();
			const location = response.headers.get("location");
			if (location === null) throw new HttpError(`GET ${url.href} answered ${response.status} without a Location`, url.href, response.status);
			const next = new URL(location, url);
			if (!this.#redirectPrefixes.some((prefix) => isUnderPrefix(next, prefix))) {
				throw new HttpError(`GET ${url.href} redirected to ${next.origin}${next.pathname}, which is not allowed for this run; not followed`, url.href, response.status);
			}
			if (hop >= this.#maxRedirects) throw new HttpError(`GET ${start} redirected more than ${this.#maxRedirects} times`, start, response.status);
			url = next;
		}
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
				const { response, url: finalUrl } = await this.#get(url, signal);
				if (response.ok) {
					const body = await response.text();
					this.progress.url = finalUrl;
					return { url: finalUrl, fetchedAt: new Date(), body };
				}
				await response.body?.cancel();
				if (response.status !== 429 && response.status < 500) {
					throw new HttpError(`GET ${finalUrl} answered ${response.status} ${shortReason(response.statusText)}`, finalUrl, response.status);
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
			// Not the parser's message: it quotes the body, and a run's error must not show what came back.
			throw new HttpError(`GET ${fetched.url} did not return JSON (${fetched.body.length} bytes)`, fetched.url, undefined, { cause: error });
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
				// The body is not kept: a URL that is not an API page may be anything, and issues are shown to operators.
				onIssue({ source, recordKey: fetched.url, reason: `not a page of results: ${describeZodError(parsed.error)}`, raw: null });
				return;
			}
			const page = parsed.data;
			this.progress.pages++;
			this.progress.records += page.objects.length;
			this.#report(fetched.url);
			yield { ...fetched, body: page };

			const rawNext = page.pagination.next_url;
			if (rawNext === null || rawNext === "") return;
			let resolved: string;
			try {
				resolved = this.resolveOnOrigin(rawNext);
			} catch (error) {
				if (!(error instanceof HttpError)) throw error;
				onIssue({ source, recordKey: fetched.url, reason: `next_url ${error.message}; pagination stopped`, raw: page.pagination });
				return;
			}
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


/** A status text is the server's to choose: bounded and on one line in what a run records. */
function shortReason(statusText: string): string {
	return statusText.replace(/[^\x20-\x7e]/g, " ").slice(0, 60);
}

function errorText(error: unknown): string {
	if (error instanceof Error) {
		const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
		return `${error.message}${cause}`;
	}
	return String(error);
}
