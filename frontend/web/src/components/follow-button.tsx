/**
 * One-click follow of a bill or a member (`/api/v1/me/follows`): pressed while followed, and a
 * follow alerts on every channel the user keeps on (notification preferences). Signed out it
 * leads to sign-in.
 */
import { useState } from "react";
import { Link } from "react-router";
import type { Follow, FollowTarget } from "@openpolicy/frontend-shared/api-types.ts";
import { describeError } from "@openpolicy/frontend-shared/describe-error.ts";
import { objectsOf } from "@openpolicy/frontend-shared/public-api.ts";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { useI18n } from "../i18n.ts";
import { useApi, useSessionState } from "../platform.tsx";

function matches(follow: Follow, target: FollowTarget): boolean {
	if ("bill" in target) return follow.kind === "bill" && follow.bill === target.bill;
	if ("politician" in target) return follow.kind === "politician" && follow.politician === target.politician;
	return follow.kind === "search" && follow.search === target.search;
}

export function FollowButton({ target, label }: { target: FollowTarget; label: string }) {
	const api = useApi();
	const i18n = useI18n();
	const session = useSessionState();
	const signedIn = session !== undefined;
	const key = JSON.stringify(target);
	const follows = useResource((signal) => (signedIn ? api.me.follows(signal).then(objectsOf) : Promise.resolve([])), [signedIn, key]);
	// What the last click made true, until the list is read again: no flicker back to "Follow".
	const [changed, setChanged] = useState<{ key: string; follow: Follow | null }>();
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<unknown>();

	if (!signedIn) {
		return (
			<p>
				<Link to="/account">{i18n.t("follow.signIn")}</Link>
			</p>
		);
	}
	if (follows.state === "failed") {
		return (
			<p className="notice notice-error" role="alert">
				{describeError(follows.error, i18n.lang)}
			</p>
		);
	}
	const existing = changed?.key === key ? (changed.follow ?? undefined) : follows.data?.find((f) => matches(f, target));

	async function toggle(): Promise<void> {
		setBusy(true);
		setError(undefined);
		try {
			if (existing) {
				await api.me.unfollow(existing.id);
				setChanged({ key, follow: null });
			} else {
				setChanged({ key, follow: await api.me.follow(target) });
			}
		} catch (err) {
			setError(err);
		} finally {
			setBusy(false);
		}
	}

	return (
		<div className="follow">
			<button type="button" aria-pressed={existing !== undefined} aria-label={`${existing ? i18n.t("follow.following") : i18n.t("follow.follow")}: ${label}`} disabled={busy || follows.state === "loading"} onClick={() => void toggle()}>
				{existing ? i18n.t("follow.following") : i18n.t("follow.follow")}
			</button>
			{existing ? (
				<p className="muted" data-testid="follow-alerts">
					{i18n.t("follow.alerts")} <Link to="/account/notifications">{i18n.t("account.preferences")}</Link>
				</p>
			) : null}
			{error !== undefined ? (
				<p role="alert" className="notice notice-error">
					{describeError(error, i18n.lang)}
				</p>
			) : null}
		</div>
	);
}
