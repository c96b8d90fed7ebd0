/**
 * The signed-in user's tokens, kept in localStorage so a reload stays signed in, and renewed with
 * the rotating refresh token when the access token expires. A store with subscribe/snapshot, so
 * React reads it with useSyncExternalStore. The CSP (no inline or foreign scripts) is what keeps
 * other code away from localStorage; the refresh token rotates and its reuse ends the session.
 */
import type { TokenSource } from "./api-client.ts";
import type { PublicUser, TokenPair } from "./api-types.ts";

export interface SessionState {
	accessToken: string;
	refreshToken: string;
	accessTokenExpiresAt: number;
	user: PublicUser;
}

export interface Session extends TokenSource {
	current(): SessionState | undefined;
	subscribe(listener: () => void): () => void;
	signedIn(pair: TokenPair): void;
	signOut(): void;
}

type Refresher = (refreshToken: string) => Promise<TokenPair>;

function isSessionState(value: unknown): value is SessionState {
	if (typeof value !== "object" || value === null) return false;
	const v = value as Record<string, unknown>;
	return typeof v.accessToken === "string" && typeof v.refreshToken === "string" && typeof v.accessTokenExpiresAt === "number" && typeof v.user === "object" && v.user !== null;
}

function read(storage: Storage | undefined, key: string): SessionState | undefined {
	try {
		const parsed: unknown = JSON.parse(storage?.getItem(key) ?? "null");
		return isSessionState(parsed) ? parsed : undefined;
	} catch {
		return undefined;
	}
}

export function createSession(storageKey: string, refresher: () => Refresher, storage: Storage | undefined = globalThis.localStorage): Session {
	let state = read(storage, storageKey);
	const listeners = new Set<() => void>();
	let refreshing: Promise<boolean> | undefined;

	function set(next: SessionState | undefined): void {
		state = next;
		if (next) storage?.setItem(storageKey, JSON.stringify(next));
		else storage?.removeItem(storageKey);
		for (const listener of listeners) listener();
	}

	function fromPair(pair: TokenPair): SessionState {
		return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, accessTokenExpiresAt: pair.accessTokenExpiresAt, user: pair.user };
	}

	// Another tab signed in or out: follow it.
	globalThis.addEventListener?.("storage", (event: StorageEvent) => {
		if (event.key !== storageKey) return;
		state = read(storage, storageKey);
		for (const listener of listeners) listener();
	});

	return {
		current: () => state,
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		signedIn: (pair) => set(fromPair(pair)),
		signOut: () => set(undefined),
		accessToken: () => state?.accessToken,
		refresh() {
			const token = state?.refreshToken;
			if (!token) return Promise.resolve(false);
			// Parallel 401s share one refresh: a second use of the same refresh token would be seen as reuse.
			refreshing ??= refresher()(token)
				.then((pair) => {
					set(fromPair(pair));
					return true;
				})
				.catch(() => {
					set(undefined);
					return false;
				})
				.finally(() => {
					refreshing = undefined;
				});
			return refreshing;
		}
	};
}
