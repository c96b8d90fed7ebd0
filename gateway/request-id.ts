/**
 * The id that ties one HTTP request to every log line and nested call it causes.
 *
 * A caller's own id (a proxy's or a client's) is kept so traces join up across systems, but only
 * when it is short and made of safe characters: it ends up in headers and log lines, where
 * newlines or kilobytes of text would let a client forge or flood them.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const REQUEST_ID_HEADER = "x-request-id";
const SANE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function isSaneRequestId(value: unknown): value is string {
	return typeof value === "string" && SANE_ID.test(value);
}

/**
 * Picks the request's id and normalises the headers so moleculer-web passes exactly this one on
 * as `ctx.requestID` (it prefers X-Correlation-Id, which would bypass the check).
 */
export function assignRequestId(req: IncomingMessage): string {
	const offered = [req.headers[REQUEST_ID_HEADER], req.headers["x-correlation-id"]].find(isSaneRequestId);
	const id = offered ?? randomUUID();
	req.headers[REQUEST_ID_HEADER] = id;
	delete req.headers["x-correlation-id"];
	return id;
}

/** The id assigned to a request that went through `assignRequestId`. */
export function requestIdOf(req: IncomingMessage): string {
	const id = req.headers[REQUEST_ID_HEADER];
	return typeof id === "string" ? id : "-";
}
