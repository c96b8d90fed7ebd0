/**
 * One-click follow of a bill or a member. Signed out it leads to sign-in; while the follows routes
 * are not deployed (404) it says so instead of failing.
 */
import { useState } from "react";
import { Link } from "react-router";
import type { Follow, FollowTarget } from "@openpolicy/frontend-shared/api-types.ts";
import { ApiError } from "@openpolicy/frontend-shared/api-client.ts";
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
		const missing = follows.error instanceof ApiError && follows.error.status === 404;
		return <p className="notice notice-info">{missing ? i18n.t("follow.unavailable") : describeError(follows.error, i18n.lang)}</p>;
	}
	const existing = follows.data?.find((f) => matches(f, target));

	async function toggle(): Promise<void> {
		setBusy(true);
		setError(undefined);
		try {
			if (existing) await api.me.unfollow(existing.id);
			else await api.me.follow(target);
			follows.reload();
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
			{error !== undefined ? (
				<p role="alert" className="notice notice-error">
					{error instanceof ApiError && error.status === 404 ? i18n.t("follow.unavailable") : describeError(error, i18n.lang)}
				</p>
			) : null}
		</div>
	);
}
