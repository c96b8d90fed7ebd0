/**
 * The signed-in user's inbox, live: the first page and the unread count are read once, then new
 * items arrive over the user's own stream (no polling). Each time the stream (re)opens the list is
 * read again, so what came while it was down is not lost. One provider for the whole app, so the
 * unread badge in the header and the account page show the same thing from one stream.
 */
import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { Notification } from "@openpolicy/frontend-shared/api-types.ts";
import { type StreamState, runAuthorizedStream } from "@openpolicy/frontend-shared/event-stream.ts";
import { INBOX_STREAM } from "@openpolicy/frontend-shared/public-api.ts";
import { usePlatform, useSessionState } from "../platform.tsx";

/** Items shown; older ones are a page away in the API and are not needed live. */
const INBOX_PAGE = 50;

export interface InboxState {
	items: Notification[];
	unread: number;
	/** "idle" when signed out. */
	state: "idle" | "loading" | "ready" | "failed";
	error: unknown;
	live: StreamState;
	markRead(ids?: string[]): Promise<void>;
}

const InboxContext = createContext<InboxState | undefined>(undefined);

function isNotification(value: unknown): value is Notification {
	if (typeof value !== "object" || value === null) return false;
	const v = value as Record<string, unknown>;
	return typeof v.id === "string" && typeof v.title === "string" && typeof v.createdAt === "string";
}

export function InboxProvider({ children }: { children: ReactNode }) {
	const { api, session } = usePlatform();
	const signedIn = useSessionState();
	const userId = signedIn?.user.id;
	const [items, setItems] = useState<Notification[]>([]);
	const [unread, setUnread] = useState(0);
	const [state, setState] = useState<InboxState["state"]>("idle");
	const [error, setError] = useState<unknown>();
	const [live, setLive] = useState<StreamState>("closed");
	// Ids already shown, so an item both read in a page and pushed live is counted once.
	const known = useRef(new Set<string>());

	useEffect(() => {
		known.current = new Set();
		setItems([]);
		setUnread(0);
		setError(undefined);
		if (!userId) {
			setState("idle");
			return;
		}
		setState("loading");
		const stop = new AbortController();
		const load = () =>
			api.me.notifications({ limit: INBOX_PAGE }, stop.signal).then(
				(inbox) => {
					if (stop.signal.aborted) return;
					// An item pushed while this page was being read is newer than the page: keep it on top.
					const paged = new Set(inbox.objects.map((n) => n.id));
					const newest = inbox.objects[0]?.createdAt ?? "";
					setItems((current) => {
						const pushed = current.filter((n) => !paged.has(n.id) && n.createdAt > newest);
						known.current = new Set([...paged, ...pushed.map((n) => n.id)]);
						setUnread(inbox.unread + pushed.filter((n) => n.readAt === null).length);
						return [...pushed, ...inbox.objects];
					});
					setState("ready");
					setError(undefined);
				},
				(err: unknown) => {
					if (stop.signal.aborted) return;
					setError(err);
					setState("failed");
				}
			);
		void runAuthorizedStream({
			url: INBOX_STREAM,
			tokens: session,
			signal: stop.signal,
			onState(next) {
				if (stop.signal.aborted) return;
				setLive(next);
				if (next === "open") void load();
			},
			onEvent(event, data) {
				if (event !== "inbox" || !isNotification(data) || known.current.has(data.id)) return;
				known.current.add(data.id);
				setItems((current) => [data, ...current].slice(0, INBOX_PAGE));
				if (data.readAt === null) setUnread((n) => n + 1);
			}
		});
		// Shown at once even if the stream takes a while (or is refused): it only adds to it.
		void load();
		return () => stop.abort();
	}, [api, session, userId]);

	const markRead = useCallback(
		async (ids?: string[]) => {
			const answer = await api.me.markRead(ids);
			const at = new Date().toISOString();
			setItems((current) => current.map((n) => (n.readAt === null && (!ids || ids.includes(n.id)) ? { ...n, readAt: at } : n)));
			setUnread(answer.unread);
		},
		[api]
	);

	const value = useMemo<InboxState>(() => ({ items, unread, state, error, live, markRead }), [items, unread, state, error, live, markRead]);
	return <InboxContext.Provider value={value}>{children}</InboxContext.Provider>;
}

export function useInbox(): InboxState {
	const inbox = useContext(InboxContext);
	if (!inbox) throw new Error("useInbox outside InboxProvider");
	return inbox;
}
