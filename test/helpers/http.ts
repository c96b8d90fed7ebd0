/** HTTP from tests to a gateway: a status, parsed JSON, and how long it took. */

export interface HttpResult {
	status: number;
	headers: Headers;
	text: string;
	/** The body as JSON, or undefined when it is not JSON. */
	json: unknown;
	ms: number;
}

export interface HttpOptions {
	method?: string;
	body?: unknown;
	headers?: Record<string, string>;
	/** The client gives up after this (the request fails with a TimeoutError). */
	timeoutMs?: number;
	/** Sent as `Authorization: Bearer <token>` (see auth.ts for tokens). */
	token?: string;
}

export async function http(url: string, options: HttpOptions = {}): Promise<HttpResult> {
	const started = performance.now();
	const headers: Record<string, string> = { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers };
	let body: string | undefined;
	if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers["content-type"] ??= "application/json";
	}
	const res = await fetch(url, {
		method: options.method ?? "GET",
		headers,
		...(body !== undefined ? { body } : {}),
		signal: AbortSignal.timeout(options.timeoutMs ?? 15_000)
	});
	const text = await res.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, headers: res.headers, text, json, ms: performance.now() - started };
}

/** The platform's error body `{ error: { type, message, code, data? } }` (README.md). */
export interface ErrorBody {
	type: string;
	message: string;
	code: number;
	data?: unknown;
}

/** The error of a response in the platform's shape; throws with the body when it has another shape. */
export function errorOf(result: HttpResult): ErrorBody {
	const error = (result.json as { error?: Partial<ErrorBody> } | undefined)?.error;
	if (!error || typeof error.type !== "string" || typeof error.message !== "string" || typeof error.code !== "number") {
		throw new Error(`Expected the platform's error shape, got ${result.status}: ${result.text.slice(0, 500)}`);
	}
	return error as ErrorBody;
}

/** A short line for failure messages. */
export function summarize(result: HttpResult): string {
	return `${result.status} in ${Math.round(result.ms)} ms: ${result.text.slice(0, 300)}`;
}
