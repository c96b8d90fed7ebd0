/**
 * Opaque cursors: base64url of a small JSON position, then `.`, then an HMAC-SHA256 of it (first 16
 * bytes, base64url). Positions are keys of immutable rows or change-log sequence numbers, never
 * offsets, so a page boundary does not move when rows are inserted or updated before it.
 *
 * Signed so that a client cannot hand-craft positions (a cursor is the server's word about where a
 * client stands in the feed: a forged one could silently skip changes) and so that a damaged one is
 * told from an old one. The data behind it is public, so the key protects integrity, not secrecy.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const TAG_BYTES = 16;

export class CursorCodec {
	readonly #key: Buffer;

	/** `secret` is the platform's signing secret; the cursor key is derived from it, so it signs nothing else. */
	constructor(secret: string) {
		this.#key = createHmac("sha256", secret).update("openpolicy mobile cursor v1").digest();
	}

	#tag(body: string): Buffer {
		return createHmac("sha256", this.#key).update(body).digest().subarray(0, TAG_BYTES);
	}

	encode(position: unknown): string {
		const body = Buffer.from(JSON.stringify(position)).toString("base64url");
		return `${body}.${this.#tag(body).toString("base64url")}`;
	}

	/** The position, or undefined when the cursor was not made here (forged, truncated, another key). */
	decode(cursor: string): unknown {
		const dot = cursor.indexOf(".");
		if (dot <= 0) return undefined;
		const body = cursor.slice(0, dot);
		const given = Buffer.from(cursor.slice(dot + 1), "base64url");
		const expected = this.#tag(body);
		if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
		try {
			return JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as unknown;
		} catch {
			return undefined;
		}
	}
}
