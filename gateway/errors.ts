/**
 * One error shape for everything that leaves the gateway (README.md):
 * `{ "error": { "type", "message", "code", "data"? } }`, `code` being the HTTP status.
 *
 * Errors arrive from many places (body parsing, moleculer-web's routing, the broker's balancer,
 * actions on other nodes) with their own codes; this module decides the status a client sees.
 * Nothing of a server fault leaks: a 500 says only "Internal server error", 5xx carry no `data`,
 * and no stack is ever written to the client.
 */
import type { ServerResponse } from "node:http";
import { Errors } from "moleculer";

export interface ErrorBody {
	type: string;
	message: string;
	code: number;
	data?: unknown;
}

export interface HttpError {
	status: number;
	body: ErrorBody;
	/** Worth logging at error level: the fault is ours or a dependency's, not the client's. */
	serverFault: boolean;
}

/** The request body limit; body-parser's notation. */
export const JSON_BODY_LIMIT = "1mb";

/**
 * Moleculer raises these when no live node offers an action, or the node holding the request
 * left or went silent. Moleculer gives some of them 404 (or 504); for a client they all mean the
 * route exists but its service is not reachable right now (docs/decisions/0011-client-errors-and-breakers.md saw a 404 after a node died).
 */
const UNREACHABLE_TYPES = new Set([
	"SERVICE_NOT_FOUND",
	"SERVICE_NOT_AVAILABLE",
	"REQUEST_TIMEOUT",
	"REQUEST_REJECTED",
	"SERVICE_UNAVAILABLE"
]);

interface ErrorLike {
	name?: unknown;
	message?: unknown;
	code?: unknown;
	type?: unknown;
	data?: unknown;
	status?: unknown;
	statusCode?: unknown;
}

function asErrorLike(err: unknown): ErrorLike {
	return typeof err === "object" && err !== null ? (err as ErrorLike) : {};
}

/** moleculer-web's own errors (Forbidden, Service unavailable, ...) may come without a type. */
const TYPE_BY_STATUS: Record<number, string> = {
	400: "BAD_REQUEST",
	401: "UNAUTHORIZED",
	403: "FORBIDDEN",
	404: "NOT_FOUND",
	409: "CONFLICT",
	413: "REQUEST_TOO_LARGE",
	422: "VALIDATION_ERROR",
	429: "RATE_LIMITED",
	503: "SERVICE_UNAVAILABLE"
};

/**
 * body-parser's errors: moleculer-web rewraps them as MoleculerError(message, status, type), so
 * they are known by their dotted `type` such as "entity.parse.failed".
 */
function fromBodyParser(e: ErrorLike): HttpError | undefined {
	const status = typeof e.status === "number" ? e.status : e.code;
	if (typeof e.type !== "string" || !/^[a-z]+(\.[a-z]+)+$/.test(e.type) || typeof status !== "number") return undefined;
	switch (e.type) {
		case "entity.parse.failed":
			return clientError(400, "INVALID_JSON", "The request body is not valid JSON");
		case "entity.too.large":
			return clientError(413, "REQUEST_TOO_LARGE", `The request body is over the ${JSON_BODY_LIMIT} limit`, { limit: JSON_BODY_LIMIT });
		case "entity.too.deep":
			return clientError(400, "JSON_TOO_DEEP", String(e.message), e.data);
		case "encoding.invalid":
			return clientError(400, "INVALID_CONTENT_ENCODING", String(e.message), e.data);
		case "encoding.unsupported":
		case "charset.unsupported":
		case "type.unsupported":
			return clientError(415, "UNSUPPORTED_MEDIA_TYPE", String(e.message));
		default:
			return status >= 400 && status < 500 ? clientError(status, "BAD_REQUEST", String(e.message)) : undefined;
	}
}

function clientError(status: number, type: string, message: string, data?: unknown): HttpError {
	return { status, body: { type, message, code: status, ...(data !== undefined ? { data } : {}) }, serverFault: false };
}

function serverError(status: number, type: string, message: string): HttpError {
	return { status, body: { type, message, code: status }, serverFault: true };
}

interface ValidationIssue {
	field?: unknown;
	type?: unknown;
	message?: unknown;
	expected?: unknown;
	actual?: unknown;
}

/** Longest value a validation error echoes back; a client knows what it sent, a log need not hold it twice. */
export const ECHOED_VALUE_LIMIT = 64;
/** Issues listed in one validation error; the first ones name what to fix. */
const ISSUE_LIMIT = 20;

/** A scalar short enough to echo, or nothing: objects, arrays and long strings are never sent back. */
function echoable(value: unknown): unknown {
	if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
	if (typeof value === "string" && value.length <= ECHOED_VALUE_LIMIT) return value;
	return undefined;
}

function shortText(value: unknown): string {
	const text = String(value);
	return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/**
 * fastest-validator's (or zod's) entries, without the nodeID and action name they also carry, and
 * without large values: its message quotes the value it got, so a message is kept only while short.
 */
function validationFields(data: unknown): unknown {
	if (!Array.isArray(data)) return data;
	return data.slice(0, ISSUE_LIMIT).map((issue: ValidationIssue) => {
		const actual = echoable(issue.actual);
		// What the rule wanted is the platform's own text (a pattern, a list of choices), not the client's.
		const expected = typeof issue.expected === "string" ? shortText(issue.expected) : echoable(issue.expected);
		return {
			field: issue.field,
			type: issue.type,
			message: shortText(issue.message),
			...(expected !== undefined ? { expected } : {}),
			...(actual !== undefined ? { actual } : {})
		};
	});
}

/**
 * An error meant for callers: a MoleculerError here, or one from another node, which Moleculer
 * regenerates as a plain Error with the numeric `code` and `type` when its class is not a
 * built-in one (e.g. the payload guard's PayloadTooLargeError). Anything else (a TypeError, a
 * driver's error with a string code) is a fault whose text must not reach the client.
 */
function isMoleculerShaped(err: unknown, e: ErrorLike): boolean {
	return err instanceof Errors.MoleculerError || (Number.isInteger(e.code) && typeof e.type === "string");
}

export function toHttpError(err: unknown): HttpError {
	const e = asErrorLike(err);
	const parsed = fromBodyParser(e);
	if (parsed) return parsed;
	if (!isMoleculerShaped(err, e)) return serverError(500, "INTERNAL_ERROR", "Internal server error");

	const code = Number(e.code);
	const status = Number.isInteger(code) && code >= 400 && code <= 599 ? code : 500;
	const type = typeof e.type === "string" && e.type !== "" ? e.type : (TYPE_BY_STATUS[status] ?? "ERROR");
	const message = String(e.message);
	if (UNREACHABLE_TYPES.has(type)) {
		return serverError(503, type, "The service behind this route is not reachable right now; try again shortly");
	}
	if (status === 500) return serverError(500, "INTERNAL_ERROR", "Internal server error");
	if (status > 500) return serverError(status, type, message);
	const data = type === "VALIDATION_ERROR" ? validationFields(e.data) : e.data;
	return clientError(status, type, message, data ?? undefined);
}

export function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const payload = JSON.stringify(body);
	res.writeHead(status, {
		...headers,
		"Content-Type": "application/json; charset=utf-8",
		"Content-Length": Buffer.byteLength(payload)
	});
	res.end(payload);
}

/** Writes the error, or cuts the connection when a response has already begun (half a body must not look whole). */
export function writeError(res: ServerResponse, error: HttpError): void {
	if (res.headersSent) {
		res.destroy();
		return;
	}
	writeJson(res, error.status, { error: error.body }, headersFor(error, res));
}

/** The headers a status promises (RFC 9110): a 401 names how to authenticate, a 429 and a 503 when to retry. */
function headersFor(error: HttpError, res: ServerResponse): Record<string, string> {
	// A client or proxy may retry a 503 soon; the balancer sees a returning node within seconds.
	if (error.status === 503) return { "Retry-After": "1" };
	// A more precise challenge (which token failed, and why) may already be set.
	if (error.status === 401 && !res.hasHeader("WWW-Authenticate")) return { "WWW-Authenticate": 'Bearer realm="openpolicy", ApiKey realm="openpolicy"' };
	if (error.status === 429) {
		const data = error.body.data as { retryAfterSeconds?: unknown } | undefined;
		const seconds = typeof data?.retryAfterSeconds === "number" ? Math.max(1, Math.ceil(data.retryAfterSeconds)) : 60;
		return { "Retry-After": String(seconds) };
	}
	return {};
}

export function writeErrorOf(res: ServerResponse, status: number, type: string, message: string, data?: unknown): void {
	writeError(res, status >= 500 ? serverError(status, type, message) : clientError(status, type, message, data));
}
