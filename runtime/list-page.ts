/**
 * The platform's one list shape (README, "Public data"): `{ objects, pagination: { offset, limit,
 * total, next_url, previous_url } }`, openparliament's shape plus `total`. Every list route of every
 * service answers with it. The links are built from the validated params, not from the request URL,
 * so every node (and the cache) answers the same links for the same query: filters in a fixed
 * order, undefined ones left out.
 */

export interface Pagination {
	offset: number;
	limit: number;
	total: number;
	next_url: string | null;
	previous_url: string | null;
}

export interface Page<T> {
	objects: T[];
	pagination: Pagination;
}

export type QueryValue = string | number | boolean | undefined;

function link(path: string, filters: Record<string, QueryValue>, limit: number, offset: number): string {
	const query = new URLSearchParams();
	for (const [key, value] of Object.entries(filters)) {
		if (value === undefined || key === "limit" || key === "offset") continue;
		query.set(key, String(value));
	}
	query.set("limit", String(limit));
	query.set("offset", String(offset));
	return `${path}?${query.toString()}`;
}

/** The offset of the last non-empty page (0 for an empty list). */
function lastOffset(total: number, limit: number): number {
	return total === 0 || limit === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
}

/**
 * A page of `objects` out of `total` at `path` (the route as a client calls it, `/api/v1/...`);
 * past the end it is an empty page whose previous link goes back to the last one.
 */
export function listPage<T>(path: string, params: Record<string, QueryValue> & { limit: number; offset: number }, objects: T[], total: number): Page<T> {
	const { limit, offset } = params;
	const next = offset + limit < total ? link(path, params, limit, offset + limit) : null;
	const previous = offset > 0 ? link(path, params, limit, Math.max(0, Math.min(offset - limit, lastOffset(total, limit)))) : null;
	return { objects, pagination: { offset, limit, total, next_url: next, previous_url: previous } };
}
