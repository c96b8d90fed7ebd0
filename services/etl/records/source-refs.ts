/**
 * openparliament identifies related objects by URL path (`/politicians/justin-trudeau/`,
 * `/votes/44-1/123/`); these read the identifiers back out. Each returns undefined for a path
 * of another shape, which the caller reports as an issue.
 */

/**
 * The path's non-empty segments. Relative paths (what the API serves) skip URL parsing, and are
 * cut by hand: three per ballot, and the regex-split-filter version was 5 % of the ETL
 * benchmark's CPU profile.
 */
function segments(url: string): string[] {
	let path = url;
	if (!url.startsWith("/")) {
		try {
			path = new URL(url).pathname;
		} catch {
			return [];
		}
	}
	const query = path.indexOf("?");
	const fragment = path.indexOf("#");
	const end = query === -1 ? (fragment === -1 ? path.length : fragment) : fragment === -1 ? query : Math.min(query, fragment);
	const out: string[] = [];
	let start = 0;
	while (start < end) {
		let slash = path.indexOf("/", start);
		if (slash === -1 || slash > end) slash = end;
		if (slash > start) out.push(path.slice(start, slash));
		start = slash + 1;
	}
	return out;
}

// The shapes the API serves, matched in one step (three per ballot); anything else (absolute URLs,
// doubled slashes, a query) takes the general path below, which accepts the same identifiers.
const POLITICIAN_PATH = /^\/politicians\/([^/?#]+)\/$/;
const MEMBERSHIP_PATH = /^\/politicians\/memberships\/(\d+)\/$/;
const VOTE_PATH = /^\/votes\/([^/?#]+)\/(\d+)\/$/;

export function politicianSlugFromUrl(url: string): string | undefined {
	const match = POLITICIAN_PATH.exec(url);
	if (match) return match[1] === "memberships" ? undefined : match[1];
	const [root, slug, ...rest] = segments(url);
	return root === "politicians" && slug && slug !== "memberships" && rest.length === 0 ? slug : undefined;
}

export function membershipIdFromUrl(url: string): string | undefined {
	const match = MEMBERSHIP_PATH.exec(url);
	if (match) return match[1];
	const [root, kind, id, ...rest] = segments(url);
	return root === "politicians" && kind === "memberships" && id && /^\d+$/.test(id) && rest.length === 0 ? id : undefined;
}

let lastVoteUrl = "";
let lastVoteRef: Readonly<{ session: string; number: number }> | undefined;

export function voteRefFromUrl(url: string): Readonly<{ session: string; number: number }> | undefined {
	// A page of ballots names one vote hundreds of times in a row.
	if (url === lastVoteUrl && lastVoteRef) return lastVoteRef;
	const match = VOTE_PATH.exec(url);
	if (match) {
		lastVoteUrl = url;
		lastVoteRef = Object.freeze({ session: match[1] as string, number: Number(match[2]) });
		return lastVoteRef;
	}
	const [root, session, number, ...rest] = segments(url);
	if (root !== "votes" || !session || !number || rest.length > 0 || !/^\d+$/.test(number)) return undefined;
	return { session, number: Number(number) };
}

export function billRefFromUrl(url: string): { session: string; number: string } | undefined {
	const [root, session, number, ...rest] = segments(url);
	if (root !== "bills" || !session || !number || rest.length > 0) return undefined;
	return { session, number };
}

/** "44-1" → the session record's fields; undefined when the id is not of that form. */
export function sessionFromId(id: string): { id: string; parliament: number; session: number } | undefined {
	const match = /^(\d{1,2})-(\d)$/.exec(id);
	if (!match) return undefined;
	return { id, parliament: Number(match[1]), session: Number(match[2]) };
}
