/**
 * The JSON body parser of every API route: body-parser's `json` (moleculer-web's own), with three
 * refusals it does not make by itself, all before routing reaches an action:
 * - a body nested deeper than MAX_JSON_DEPTH is a 400. V8's JSON.parse is iterative and accepts any
 *   depth, but nearly everything after it (JSON.stringify, serialisers, validators, deep copies)
 *   recurses: issue 9 saw a 12 kB body of a few thousand levels overflow the stack in the tracing
 *   exporter and end the process. The depth is counted on the raw bytes, before parsing.
 * - a body whose Content-Encoding does not decode (broken gzip, deflate, br) is a 400, not the 500
 *   moleculer-web makes of zlib's string error codes;
 * - a body with a Content-Type other than JSON is a 415 instead of being ignored (the action would
 *   run with an empty body and answer as if the client had sent nothing).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import bodyParser from "body-parser";
import { Errors } from "moleculer";
import { JSON_BODY_LIMIT } from "./errors.ts";

/** Deeper than any payload the platform's routes take (their schemas are two or three levels deep). */
export const MAX_JSON_DEPTH = 64;

/** body-parser's error types, which errors.ts turns into the platform's types and statuses. */
export const BODY_ERROR_TYPES = {
	tooDeep: "entity.too.deep",
	badEncoding: "encoding.invalid",
	unsupportedType: "type.unsupported"
} as const;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True when `body` (JSON text, UTF-8) opens more than `max` objects or arrays inside each other. */
export function jsonDepthExceeds(body: Uint8Array, max: number = MAX_JSON_DEPTH): boolean {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < body.length; i++) {
		const byte = body[i];
		if (inString) {
			if (byte === BACKSLASH) i++;
			else if (byte === QUOTE) inString = false;
		} else if (byte === QUOTE) {
			inString = true;
		} else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
			if (++depth > max) return true;
		} else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
			depth--;
		}
	}
	return false;
}

class BodyError extends Errors.MoleculerClientError {
	// body-parser's `status`, which errors.ts reads beside `code`.
	readonly status: number;
	constructor(message: string, status: number, type: string, data?: unknown) {
		super(message, status, type, data);
		this.status = status;
	}
}

function tooDeep(): never {
	throw new BodyError(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`, 400, BODY_ERROR_TYPES.tooDeep, { maxDepth: MAX_JSON_DEPTH });
}

const parseJson = bodyParser.json({
	limit: JSON_BODY_LIMIT,
	strict: true,
	type: isJsonType,
	verify: (_req, _res, body) => {
		if (jsonDepthExceeds(body)) tooDeep();
	}
});

function mediaType(req: IncomingMessage): string | undefined {
	return req.headers["content-type"]?.split(";", 1)[0]?.trim().toLowerCase();
}

/** application/json, or a structured JSON type such as application/merge-patch+json (RFC 6839). */
function isJsonType(req: IncomingMessage): boolean {
	const type = mediaType(req);
	return type === "application/json" || (type !== undefined && /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type));
}

/** RFC 9112: a request has a body when it says how long it is (and that is not 0) or that it is chunked. */
function hasBody(req: IncomingMessage): boolean {
	if (req.headers["transfer-encoding"] !== undefined) return true;
	const length = req.headers["content-length"];
	return length !== undefined && length !== "0";
}

interface ParserError {
	status?: unknown;
	statusCode?: unknown;
	type?: unknown;
	message?: unknown;
}

/**
 * body-parser reports a stream that does not decompress with zlib's own error (a string `code` such
 * as Z_DATA_ERROR, and no `type`); everything else it raises carries a dotted `type`.
 */
function normalise(err: unknown, req: IncomingMessage): unknown {
	if (err instanceof Errors.MoleculerError) return err;
	const e = (typeof err === "object" && err !== null ? err : {}) as ParserError;
	const status = typeof e.status === "number" ? e.status : typeof e.statusCode === "number" ? e.statusCode : 500;
	const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
	if (typeof e.type !== "string" && status === 400 && encoding !== "identity") {
		return new BodyError(`The request body is not valid ${encoding} data`, 400, BODY_ERROR_TYPES.badEncoding, { encoding });
	}
	if (typeof e.type === "string") return new BodyError(String(e.message), status, e.type);
	return err;
}

type Next = (err?: unknown) => void;

/** moleculer-web route middleware (`use`), in place of its `bodyParsers`. */
export function jsonBody(req: IncomingMessage, res: ServerResponse, next: Next): void {
	if (hasBody(req) && !isJsonType(req)) {
		const type = mediaType(req) ?? "none";
		// The body is left unread: the response closes the connection's use for this request anyway.
		next(new BodyError(`This route takes application/json, not ${type}`, 415, BODY_ERROR_TYPES.unsupportedType, { contentType: type }));
		return;
	}
	parseJson(req, res, (err?: unknown) => next(err === undefined || err === null ? undefined : normalise(err, req)));
}
