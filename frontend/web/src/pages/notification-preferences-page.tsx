/**
 * Where each notice goes, per channel (email, the inbox here, webhooks, push to a phone): on or
 * off, and at once or in a daily digest; the language of notices and the digest's hour. The
 * notification service keeps the defaults (every channel on, at once) until the user saves.
 */
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import type { NotificationChannel, NotificationSettings, NotificationSettingsChange } from "@openpolicy/frontend-shared/api-types.ts";
import { ErrorNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { usePageTitle } from "../components/page-title.ts";
import { useI18n } from "../i18n.ts";
import type { MessageKey } from "../messages.ts";
import { useApi, useSessionState } from "../platform.tsx";

const CHANNELS: ReadonlyArray<{ channel: NotificationChannel; label: MessageKey; hint: MessageKey }> = [
	{ channel: "inbox", label: "prefs.inbox", hint: "prefs.inboxHint" },
	{ channel: "email", label: "prefs.email", hint: "prefs.emailHint" },
	{ channel: "webhook", label: "prefs.webhook", hint: "prefs.webhookHint" },
	{ channel: "push", label: "prefs.push", hint: "prefs.pushHint" }
];

function changeFrom(form: FormData): NotificationSettingsChange {
	const channels: NonNullable<NotificationSettingsChange["channels"]> = {};
	for (const { channel } of CHANNELS) channels[channel] = { enabled: form.get(`${channel}-enabled`) === "on", mode: form.get(`${channel}-mode`) === "daily" ? "daily" : "immediate" };
	const language = form.get("language") === "fr" ? "fr" : "en";
	return { language, digestHour: Number(form.get("digestHour")), channels };
}

function PreferencesForm({ initial }: { initial: NotificationSettings }) {
	const api = useApi();
	const i18n = useI18n();
	const [saved, setSaved] = useState<NotificationSettings>();
	const [error, setError] = useState<unknown>();
	const [busy, setBusy] = useState(false);
	const current = saved ?? initial;
	async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
		event.preventDefault();
		setBusy(true);
		setError(undefined);
		setSaved(undefined);
		try {
			setSaved(await api.me.savePreferences(changeFrom(new FormData(event.currentTarget))));
		} catch (err) {
			setError(err);
		} finally {
			setBusy(false);
		}
	}
	return (
		<form className="form" aria-labelledby="prefs-title" onSubmit={(event) => void submit(event)}>
			<table data-testid="channel-preferences">
				<caption>{i18n.t("prefs.channels")}</caption>
				<thead>
					<tr>
						<th scope="col">{i18n.t("prefs.channel")}</th>
						<th scope="col">{i18n.t("prefs.enabled")}</th>
						<th scope="col">{i18n.t("prefs.when")}</th>
					</tr>
				</thead>
				<tbody>
					{CHANNELS.map(({ channel, label, hint }) => {
						const pref = current.channels[channel];
						return (
							<tr key={channel} data-channel={channel}>
								<th scope="row">
									{i18n.t(label)}
									<br />
									<span className="muted">{i18n.t(hint)}</span>
								</th>
								<td>
									<input id={`${channel}-enabled`} name={`${channel}-enabled`} type="checkbox" defaultChecked={pref.enabled} aria-label={`${i18n.t(label)}: ${i18n.t("prefs.enabled")}`} />
								</td>
								<td>
									<select name={`${channel}-mode`} defaultValue={pref.mode} aria-label={`${i18n.t(label)}: ${i18n.t("prefs.when")}`}>
										<option value="immediate">{i18n.t("prefs.immediate")}</option>
										<option value="daily">{i18n.t("prefs.daily")}</option>
									</select>
								</td>
							</tr>
						);
					})}
				</tbody>
			</table>
			<div className="field">
				<label htmlFor="prefs-language">{i18n.t("prefs.language")}</label>
				<select id="prefs-language" name="language" defaultValue={current.language}>
					<option value="en">English</option>
					<option value="fr">Français</option>
				</select>
			</div>
			<div className="field">
				<label htmlFor="prefs-digest-hour">{i18n.t("prefs.digestHour", { zone: current.timeZone })}</label>
				<input id="prefs-digest-hour" name="digestHour" type="number" min={0} max={23} required defaultValue={current.digestHour} />
			</div>
			<button type="submit" disabled={busy}>
				{i18n.t("account.save")}
			</button>
			{saved ? <p role="status">{i18n.t("account.saved")}</p> : null}
			{error !== undefined ? <ErrorNotice error={error} lang={i18n.lang} /> : null}
		</form>
	);
}

export function NotificationPreferencesPage() {
	const api = useApi();
	const i18n = useI18n();
	const signedIn = useSessionState() !== undefined;
	usePageTitle(i18n.t("account.preferences"));
	const settings = useResource((signal) => (signedIn ? api.me.preferences(signal) : Promise.resolve(undefined)), [signedIn]);
	return (
		<>
			<h1 id="prefs-title">{i18n.t("account.preferences")}</h1>
			<p>
				<Link to="/account">{i18n.t("account.title")}</Link>
			</p>
			{!signedIn ? (
				<p>
					<Link to="/account">{i18n.t("follow.signIn")}</Link>
				</p>
			) : null}
			{settings.state === "loading" ? <Loading label={i18n.t("common.loading")} /> : null}
			{settings.state === "failed" ? <ErrorNotice error={settings.error} lang={i18n.lang} retry={settings.reload} retryLabel={i18n.t("common.retry")} /> : null}
			{settings.state === "ready" && settings.data ? <PreferencesForm initial={settings.data} /> : null}
		</>
	);
}
