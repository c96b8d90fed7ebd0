/**
 * The one way the apps talk to the gateway: JSON over fetch with a deadline, the platform's error
 * shape turned into an ApiError a page can explain, the signed-in user's token attached, and one
 * refresh-and-retry when the access token has expired.
 */
export interface ApiErrorBody {
	type: string;
	message: string;
	code: number;
	data?: unknown;
}

export class ApiError extends Error {
	readonly status: number;
	readonly type: string;
	readonly data: unknown;

	constructor(status: number, type: string, message: string, data?: unknown) {
		super(message);
		this.name = "ApiError";
		this.status = status;
		this.type = type;
		this.data = data;
	}

	/** The gateway has no such route (yet): the feature is not deployed, not a bad address. */
	get routeMissing(): boolean {
		return this.status === 404 && this.type === "NOT_FOUND" && this.message === "Not found";
	}
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface TokenSource {
	accessToken(): string | undefined;
	/** Gets a new access token; false when the session cannot be renewed (signed out). */
	refresh(): Promise<boolean>;
}

export interface ApiClientOptions {
	/** Origin of the gateway; the page's own by default (the gateway serves the apps). */
	baseUrl?: string;
	/** Sent as Accept-Language: the data API answers both languages (`title_en`, `title_fr`). */
	language?: () => string;
	tokens?: TokenSource;
	timeoutMs?: number;
}

export interface ApiClient {
	get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T>;
	send<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
	url(path: string, query?: Query): string;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export function withQuery(path: string, query: Query = {}): string {
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(query)) {
		if (value === undefined || value === null || value === "") continue;
		params.set(key, String(value));
	}
	const text = params.toString();
	return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

function isErrorBody(value: unknown): value is { error: ApiErrorBody } {
	if (typeof value !== "object" || value === null || !("error" in value)) return false;
	const error = (value as { error: unknown }).error;
	return typeof error === "object" && error !== null && "type" in error && "message" in error;
}

async function parse(res: Response): Promise<unknown> {
	if (res.status === 204) return null;
	const text = await res.text();
	if (!text) return null;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw new ApiError(res.status, "NOT_JSON", `The server answered ${res.status} with something that is not JSON`);
	}
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
	const base = options.baseUrl ?? "";
	const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

	async function once(method: string, url: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
		const headers: Record<string, string> = { Accept: "application/json" };
		const language = options.language?.();
		if (language) headers["Accept-Language"] = language;
		const token = options.tokens?.accessToken();
		if (token) headers.Authorization = `Bearer ${token}`;
		if (body !== undefined) headers["Content-Type"] = "application/json";
		const deadline = AbortSignal.timeout(timeoutMs);
		try {
			return await fetch(url, {
				method,
				headers,
				body: body === undefined ? null : JSON.stringify(body),
				signal: signal ? AbortSignal.any([signal, deadline]) : deadline
			});
		} catch (err) {
			if (signal?.aborted) throw err;
			if (deadline.aborted) throw new ApiError(0, "TIMEOUT", "The server took too long to answer");
			throw new ApiError(0, "NETWORK", "The server could not be reached");
		}
	}

	async function request<T>(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
		const url = `${base}${path}`;
		let res = await once(method, url, body, signal);
		if (res.status === 401 && options.tokens?.accessToken() && (await options.tokens.refresh())) res = await once(method, url, body, signal);
		const parsed = await parse(res);
		if (!res.ok) {
			if (isErrorBody(parsed)) throw new ApiError(res.status, parsed.error.type, parsed.error.message, parsed.error.data);
			throw new ApiError(res.status, "HTTP_ERROR", `The server answered ${res.status}`);
		}
		return parsed as T;
	}

	return {
		get: (path, query, signal) => request("GET", withQuery(path, query), undefined, signal),
		send: (method, path, body, signal) => request(method, path, body, signal),
		url: (path, query) => `${base}${withQuery(path, query)}`
	};
}
