import { type FormEvent, useId, useState } from "react";
import { Link } from "react-router";
import type { Follow } from "@openpolicy/frontend-shared/api-types.ts";
import { describeError } from "@openpolicy/frontend-shared/describe-error.ts";
import { objectsOf } from "@openpolicy/frontend-shared/public-api.ts";
import { ErrorNotice, InfoNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { useInbox } from "../components/inbox-context.tsx";
import { usePageTitle } from "../components/page-title.ts";
import { useI18n } from "../i18n.ts";
import { useApi, usePlatform, useSessionState } from "../platform.tsx";
import { SignInForm, SignUpForm } from "./sign-in.tsx";

function followLink(f: Follow): { to: string | undefined; text: string } {
	if (f.kind === "bill" && f.bill) return { to: `/bills/${f.bill}`, text: f.bill.replace("/", " ") };
	if (f.kind === "politician" && f.politician) return { to: `/politicians/${f.politician}`, text: f.politician };
	return { to: f.search ? `/search?q=${encodeURIComponent(f.search)}` : undefined, text: `“${f.search ?? ""}”` };
}

function Unavailable({ error }: { error: unknown }) {
	const i18n = useI18n();
	return <ErrorNotice error={error} lang={i18n.lang} />;
}

function Follows() {
	const api = useApi();
	const i18n = useI18n();
	const follows = useResource((signal) => api.me.follows(signal).then(objectsOf), []);
	const [error, setError] = useState<unknown>();
	return (
		<section aria-labelledby="follows">
			<h2 id="follows">{i18n.t("account.follows")}</h2>
			{follows.state === "loading" ? <Loading label={i18n.t("common.loading")} /> : null}
			{follows.state === "failed" ? <Unavailable error={follows.error} /> : null}
			{follows.state === "ready" && follows.data.length === 0 ? <p className="muted">{i18n.t("account.noFollows")}</p> : null}
			{follows.state === "ready" && follows.data.length > 0 ? (
				<ul data-testid="follows">
					{follows.data.map((f) => {
						const link = followLink(f);
						return (
							<li key={f.id}>
								{link.to ? <Link to={link.to}>{link.text}</Link> : link.text}{" "}
								<button
									type="button"
									className="secondary"
									onClick={() => {
										api.me.unfollow(f.id).then(follows.reload, setError);
									}}
								>
									{i18n.t("account.unfollow")}
								</button>
							</li>
						);
					})}
				</ul>
			) : null}
			{error !== undefined ? <Unavailable error={error} /> : null}
		</section>
	);
}

/** An inbox link is the platform's public address of the page; inside the app it opens without a reload. */
function inAppPath(link: string | null): string | undefined {
	if (!link) return undefined;
	try {
		const url = new URL(link, window.location.origin);
		return url.pathname + url.search;
	} catch {
		return undefined;
	}
}

function Inbox() {
	const i18n = useI18n();
	const inbox = useInbox();
	const [error, setError] = useState<unknown>();
	const markRead = (ids?: string[]) => {
		setError(undefined);
		inbox.markRead(ids).catch(setError);
	};
	return (
		<section aria-labelledby="inbox">
			<h2 id="inbox">
				{i18n.t("account.inbox")} <span className="muted" data-testid="inbox-unread">{i18n.t("inbox.unread", { count: inbox.unread })}</span>
			</h2>
			<p className="muted" data-testid="inbox-live" data-live={inbox.live}>
				{inbox.live === "open" ? i18n.t("inbox.live") : i18n.t("inbox.reconnecting")}
			</p>
			{inbox.state === "loading" ? <Loading label={i18n.t("common.loading")} /> : null}
			{inbox.state === "failed" ? <ErrorNotice error={inbox.error} lang={i18n.lang} /> : null}
			{inbox.state === "ready" && inbox.items.length === 0 ? <p className="muted">{i18n.t("account.inboxEmpty")}</p> : null}
			{inbox.unread > 0 ? (
				<button type="button" className="secondary" onClick={() => markRead()}>
					{i18n.t("inbox.markAllRead")}
				</button>
			) : null}
			{/* New items are announced as they arrive, without moving focus. */}
			<ul data-testid="inbox" aria-live="polite" aria-relevant="additions">
				{inbox.items.map((n) => {
					const to = inAppPath(n.link);
					return (
						<li key={n.id} data-kind={n.kind} data-read={n.readAt !== null}>
							{n.readAt === null ? <span className="badge">{i18n.t("inbox.new")}</span> : null} <strong>{to ? <Link to={to}>{n.title}</Link> : n.title}</strong> {n.body}{" "}
							<span className="muted">{i18n.formatDate(n.createdAt)}</span>{" "}
							{n.readAt === null ? (
								<button type="button" className="secondary" aria-label={`${i18n.t("inbox.markRead")}: ${n.title}`} onClick={() => markRead([n.id])}>
									{i18n.t("inbox.markRead")}
								</button>
							) : null}
						</li>
					);
				})}
			</ul>
			{error !== undefined ? <ErrorNotice error={error} lang={i18n.lang} /> : null}
			<p>
				<Link to="/account/notifications">{i18n.t("account.preferences")}</Link>
			</p>
		</section>
	);
}

function ApiKeys() {
	const api = useApi();
	const i18n = useI18n();
	const id = useId();
	const keys = useResource((signal) => api.me.apiKeys(signal), []);
	const [created, setCreated] = useState<string>();
	const [error, setError] = useState<unknown>();
	return (
		<section aria-labelledby="api-keys">
			<h2 id="api-keys">{i18n.t("account.apiKeys")}</h2>
			<p>{i18n.t("account.apiKeysIntro")}</p>
			{keys.state === "failed" ? <Unavailable error={keys.error} /> : null}
			{keys.state === "ready" ? (
				<>
					<ul>
						{keys.data.map((k) => (
							<li key={k.id}>
								{k.name} <code>{k.prefix}…</code> {k.scopes.join(", ")}{" "}
								{k.revokedAt ? null : (
									<button type="button" className="secondary" onClick={() => api.me.revokeApiKey(k.id).then(keys.reload, setError)}>
										{i18n.t("account.revoke")}
									</button>
								)}
							</li>
						))}
					</ul>
					<form
						className="form"
						onSubmit={(event: FormEvent<HTMLFormElement>) => {
							event.preventDefault();
							const name = new FormData(event.currentTarget).get("name");
							api.me.createApiKey(typeof name === "string" ? name : "", ["read:public"]).then((k) => {
								setCreated(k.key);
								keys.reload();
							}, setError);
						}}
					>
						<div className="field">
							<label htmlFor={`${id}-name`}>{i18n.t("account.apiKeyName")}</label>
							<input id={`${id}-name`} name="name" required maxLength={100} />
						</div>
						<button type="submit">{i18n.t("account.createKey")}</button>
					</form>
				</>
			) : null}
			{created ? <p role="status">{i18n.t("account.newKey", { key: created })}</p> : null}
			{error !== undefined ? <p role="alert">{describeError(error, i18n.lang)}</p> : null}
			<p>
				<Link to="/account/api">{i18n.t("account.api")}</Link> — {i18n.t("account.apiIntro")}
			</p>
		</section>
	);
}

export function AccountPage() {
	const { session, api } = usePlatform();
	const state = useSessionState();
	const i18n = useI18n();
	const [justCreated, setJustCreated] = useState(false);
	usePageTitle(i18n.t("account.title"));
	if (!state) {
		return (
			<>
				<h1>{i18n.t("account.title")}</h1>
				<div className="grid-2">
					<SignInForm />
					<SignUpForm onCreated={() => setJustCreated(true)} />
				</div>
				<p>
					<Link to="/account/api">{i18n.t("account.api")}</Link> — {i18n.t("account.apiIntro")}
				</p>
			</>
		);
	}
	return (
		<>
			<h1>{i18n.t("account.title")}</h1>
			{justCreated ? <InfoNotice>{i18n.t("account.created")}</InfoNotice> : null}
			<p data-testid="signed-in-as">{i18n.t("account.signedInAs", { name: state.user.displayName, email: state.user.email })}</p>
			<button
				type="button"
				className="secondary"
				onClick={() => {
					const token = state.refreshToken;
					session.signOut();
					// Ending the refresh token on the server is best effort: the local session is gone either way.
					api.auth.logout(token).catch(() => undefined);
				}}
			>
				{i18n.t("account.signOut")}
			</button>
			<Follows />
			<Inbox />
			{/* Keys are minted by admins only (auth's api-keys:manage): others are told, not refused. */}
			{state.user.role === "admin" ? (
				<ApiKeys />
			) : (
				<section aria-labelledby="api-keys">
					<h2 id="api-keys">{i18n.t("account.apiKeys")}</h2>
					<p>{i18n.t("account.apiKeysByAdmin")}</p>
					<p>
						<Link to="/account/api">{i18n.t("account.api")}</Link> — {i18n.t("account.apiIntro")}
					</p>
				</section>
			)}
		</>
	);
}
