/**
 * Browser-facing defences on every gateway response: a Content-Security-Policy for the two SPAs,
 * framing refused, a strict referrer policy, HSTS once the request came over TLS, and CORS from an
 * allow-list.
 *
 * The CSP allows only the gateway's own origin for scripts, API calls and the event stream. Styles
 * allow 'unsafe-inline' because Plotly (the viz charts) writes inline style attributes; scripts never
 * do. `data:`/`blob:` images cover chart exports and icons; members' photos are openparliament's
 * (the source's `image` URLs), the one foreign origin, and for images only. Plotly's bar and pie
 * charts draw without 'unsafe-eval' (checked in Chromium under this policy), so it is not granted:
 * docs/decisions/0030-spa-served-by-the-gateway.md.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { cameOverTls } from "./client-info.ts";
import { writeErrorOf } from "./errors.ts";

export const CONTENT_SECURITY_POLICY = [
	"default-src 'self'",
	"script-src 'self'",
	"style-src 'self' 'unsafe-inline'",
	"img-src 'self' data: blob: https://openparliament.ca",
	"font-src 'self'",
	"connect-src 'self'",
	"object-src 'none'",
	"base-uri 'self'",
	"form-action 'self'",
	"frame-ancestors 'none'"
].join("; ");

const HSTS = "max-age=31536000; includeSubDomains";

export function setSecurityHeaders(req: IncomingMessage, res: ServerResponse, trustedProxies: number): void {
	res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
	res.setHeader("X-Frame-Options", "DENY");
	res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
	res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
	res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	// Sent over plain HTTP it would be ignored by browsers, and it would pin a laptop's localhost to TLS.
	if (cameOverTls(req, trustedProxies)) res.setHeader("Strict-Transport-Security", HSTS);
}

const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";
const ALLOWED_HEADERS = "Authorization, Content-Type, X-Api-Key, X-Request-Id";
const EXPOSED_HEADERS = "X-Request-Id, Retry-After, X-Rate-Limit-Limit, X-Rate-Limit-Remaining, X-Rate-Limit-Reset";

/**
 * Adds CORS headers for an allowed origin and answers preflights. Returns true when the request was
 * answered here. A listed origin gets itself echoed with credentials allowed; `*` (refused in
 * production) answers `*` and never allows credentials, as the Fetch standard requires.
 */
export function handleCors(req: IncomingMessage, res: ServerResponse, allowedOrigins: readonly string[]): boolean {
	const origin = req.headers.origin;
	const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
	if (origin === undefined) return false;
	res.setHeader("Vary", "Origin");
	const listed = allowedOrigins.includes(origin);
	const wildcard = !listed && allowedOrigins.includes("*");
	if (!listed && !wildcard) {
		if (!preflight) return false; // a same-origin or non-browser caller; the browser enforces the rest
		writeErrorOf(res, 403, "CORS_ORIGIN_REFUSED", `Origin ${origin} may not call this API`);
		return true;
	}
	res.setHeader("Access-Control-Allow-Origin", listed ? origin : "*");
	if (listed) res.setHeader("Access-Control-Allow-Credentials", "true");
	res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
	if (!preflight) return false;
	res.setHeader("Access-Control-Allow-Methods", ALLOWED_METHODS);
	res.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
	res.setHeader("Access-Control-Max-Age", "600");
	res.writeHead(204);
	res.end();
	return true;
}
