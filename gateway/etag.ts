/**
 * Conditional GETs (issue 11): every answer moleculer-web serializes gets a strong ETag from this
 * function, and moleculer-web itself answers 304 when If-None-Match names it (its `etag` route
 * option with the `fresh` module; nothing of that is re-implemented here). Two things are added:
 * - a strong validator (a hash of the exact bytes), where moleculer-web's `etag: true` makes weak
 *   ones, so caches and clients may also use it for range requests and byte-for-byte comparison;
 * - conditions only on reads: moleculer-web checks freshness whatever the method, so a POST that
 *   happened to send If-None-Match would be answered 304 without its effect being reported.
 * The body is hashed once per response, after serialization: sha1 of a 2 kB answer is ~2 µs.
 */
import { hash } from "node:crypto";
import type { IncomingMessage } from "node:http";

export function responseETag(body: string | Buffer): string {
	return `"${hash("sha1", body, "base64url")}"`;
}

/** Drops conditional headers from requests that are not reads, before moleculer-web sees them. */
export function onlyReadsAreConditional(req: IncomingMessage): void {
	if (req.method === "GET" || req.method === "HEAD") return;
	delete req.headers["if-none-match"];
	delete req.headers["if-modified-since"];
}
