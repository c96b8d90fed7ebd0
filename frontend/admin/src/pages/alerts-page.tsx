/** Alerts, firing and resolved (refreshed when one fires or resolves), acknowledge, and silences with an expiry. */
import { type FormEvent, useId } from "react";
import { ALERT_RULES, type Alert, type AlertRule } from "@openpolicy/frontend-shared/admin-types.ts";
import { ErrorNotice } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { PageState, usePageTitle } from "../components/page-state.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { useAction } from "../components/use-action.ts";
import { usePlatformEvents } from "../components/use-platform-events.ts";
import { useI18n } from "../i18n.ts";
import { usePlatform } from "../platform.tsx";

function AlertTable({ alerts, onAcknowledge }: { alerts: Alert[]; onAcknowledge?: (id: string) => void }) {
	const i18n = useI18n();
	if (alerts.length === 0) return <p>{i18n.t("alerts.none")}</p>;
	return (
		<table className="data-table">
			<thead>
				<tr>
					<th scope="col">{i18n.t("alerts.rule")}</th>
					<th scope="col">{i18n.t("alerts.subject")}</th>
					<th scope="col">{i18n.t("common.status")}</th>
					<th scope="col">{i18n.t("alerts.summary")}</th>
					<th scope="col">{i18n.t("common.when")}</th>
					{onAcknowledge ? <th scope="col">{i18n.t("alerts.acknowledge")}</th> : null}
				</tr>
			</thead>
			<tbody>
				{alerts.map((alert) => (
					<tr key={alert.id} data-testid={`alert-${alert.id}`}>
						<td>{alert.rule}</td>
						<td>{alert.subject}</td>
						<td>
							<StatusBadge status={alert.state} />
						</td>
						<td>{alert.summary}</td>
						<td>{new Date(alert.resolvedAt ?? alert.firedAt ?? alert.startedAt).toLocaleString(i18n.lang)}</td>
						{onAcknowledge ? (
							<td>
								{alert.acknowledgedBy ? (
									i18n.t("alerts.acknowledged", { who: alert.acknowledgedBy })
								) : (
									<button type="button" onClick={() => onAcknowledge(alert.id)}>
										{i18n.t("alerts.acknowledge")}
									</button>
								)}
							</td>
						) : null}
					</tr>
				))}
			</tbody>
		</table>
	);
}

export function AlertsPage() {
	const { admin } = usePlatform();
	const i18n = useI18n();
	const id = useId();
	usePageTitle(i18n.t("alerts.title"));
	const active = useResource((signal) => admin.alerts.list("active", signal), [admin]);
	const resolved = useResource((signal) => admin.alerts.list("resolved", signal), [admin]);
	const silences = useResource((signal) => admin.alerts.silences(signal), [admin]);
	const action = useAction();
	usePlatformEvents((name) => {
		if (name !== "alert.fired" && name !== "alert.resolved") return;
		active.reload();
		resolved.reload();
	});

	function acknowledge(alertId: string): void {
		void action.run(() => admin.alerts.acknowledge(alertId)).then((ok) => ok && active.reload());
	}

	function silence(event: FormEvent<HTMLFormElement>): void {
		event.preventDefault();
		const form = new FormData(event.currentTarget);
		const rule = String(form.get("rule") ?? "");
		const subject = String(form.get("subject") ?? "").trim();
		const body = {
			...(rule ? { rule: rule as AlertRule } : {}),
			...(subject ? { subject } : {}),
			reason: String(form.get("reason") ?? "").trim(),
			minutes: Number(form.get("minutes"))
		};
		const target = event.currentTarget;
		void action.run(() => admin.alerts.silence(body)).then((ok) => {
			if (!ok) return;
			target.reset();
			silences.reload();
		});
	}

	return (
		<>
			<h1>{i18n.t("alerts.title")}</h1>
			{action.error ? <ErrorNotice error={action.error} lang={i18n.lang} /> : null}
			<section aria-labelledby={`${id}-active`}>
				<h2 id={`${id}-active`}>{i18n.t("alerts.active")}</h2>
				<PageState resource={active}>{(data) => <AlertTable alerts={data.objects} onAcknowledge={acknowledge} />}</PageState>
			</section>
			<section aria-labelledby={`${id}-resolved`}>
				<h2 id={`${id}-resolved`}>{i18n.t("alerts.resolved")}</h2>
				<PageState resource={resolved}>{(data) => <AlertTable alerts={data.objects} />}</PageState>
			</section>
			<section aria-labelledby={`${id}-silences`}>
				<h2 id={`${id}-silences`}>{i18n.t("alerts.silences")}</h2>
				<PageState resource={silences}>
					{(data) =>
						data.objects.length === 0 ? (
							<p>{i18n.t("alerts.noSilences")}</p>
						) : (
							<table className="data-table">
								<thead>
									<tr>
										<th scope="col">{i18n.t("alerts.rule")}</th>
										<th scope="col">{i18n.t("alerts.subject")}</th>
										<th scope="col">{i18n.t("common.reason")}</th>
										<th scope="col">{i18n.t("alerts.expires")}</th>
										<th scope="col">{i18n.t("alerts.unsilence")}</th>
									</tr>
								</thead>
								<tbody>
									{data.objects.map((s) => (
										<tr key={s.id}>
											<td>{s.rule ?? i18n.t("alerts.anyRule")}</td>
											<td>{s.subject ?? "*"}</td>
											<td>{s.reason}</td>
											<td>{new Date(s.expiresAt).toLocaleString(i18n.lang)}</td>
											<td>
												<button type="button" onClick={() => void action.run(() => admin.alerts.unsilence(s.id)).then((ok) => ok && silences.reload())}>
													{i18n.t("alerts.unsilence")}
												</button>
											</td>
										</tr>
									))}
								</tbody>
							</table>
						)
					}
				</PageState>
				<form className="inline-form" onSubmit={silence} aria-label={i18n.t("alerts.silence")}>
					<div className="field">
						<label htmlFor={`${id}-rule`}>{i18n.t("alerts.rule")}</label>
						<select id={`${id}-rule`} name="rule" defaultValue="">
							<option value="">{i18n.t("alerts.anyRule")}</option>
							{ALERT_RULES.map((rule) => (
								<option key={rule} value={rule}>
									{rule}
								</option>
							))}
						</select>
					</div>
					<div className="field">
						<label htmlFor={`${id}-subject`}>{i18n.t("alerts.subject")}</label>
						<input id={`${id}-subject`} name="subject" maxLength={300} />
					</div>
					<div className="field">
						<label htmlFor={`${id}-reason`}>{i18n.t("common.reason")}</label>
						<input id={`${id}-reason`} name="reason" required maxLength={500} />
					</div>
					<div className="field">
						<label htmlFor={`${id}-minutes`}>{i18n.t("alerts.minutes")}</label>
						<input id={`${id}-minutes`} name="minutes" type="number" min={1} max={10080} defaultValue={60} required />
					</div>
					<button type="submit" disabled={action.busy}>
						{i18n.t("alerts.silence")}
					</button>
				</form>
			</section>
		</>
	);
}
