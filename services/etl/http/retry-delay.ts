/** How long to wait before the next try: what the server asked for, else exponential backoff. */

/**
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). Returns ms, or
 * undefined when the header is absent or unreadable (then the caller backs off on its own).
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
	if (header === null) return undefined;
	const value = header.trim();
	if (/^\d+$/.test(value)) return Number(value) * 1000;
	const date = Date.parse(value);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}

/**
 * base · 2^(try-1), capped, with the upper half jittered so that many ETL nodes retrying the
 * same outage do not return in lockstep.
 */
export function backoffDelay(tryNumber: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
	const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, tryNumber - 1));
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
