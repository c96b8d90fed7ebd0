/** The notification delivery log: the backlog and the failures, by status. */
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { PageState, usePageTitle } from "../components/page-state.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { useI18n } from "../i18n.ts";
import { usePlatform } from "../platform.tsx";

export function NotificationsPage() {
	const { admin } = usePlatform();
	const i18n = useI18n();
	usePageTitle(i18n.t("notifications.title"));
	const deliveries = useResource((signal) => admin.notifications.deliveries(undefined, signal), [admin]);
	return (
		<>
			<h1>{i18n.t("notifications.title")}</h1>
			<PageState resource={deliveries}>
				{(data) => (
					<>
						<p>
							{i18n.t("notifications.byStatus", {
								counts: Object.entries(data.byStatus ?? {})
									.map(([status, n]) => `${status} ${n}`)
									.join(", ")
							})}
						</p>
						{data.objects.length === 0 ? (
							<p>{i18n.t("common.none")}</p>
						) : (
							<table className="data-table">
								<thead>
									<tr>
										<th scope="col">{i18n.t("common.when")}</th>
										<th scope="col">{i18n.t("notifications.channel")}</th>
										<th scope="col">{i18n.t("notifications.target")}</th>
										<th scope="col">{i18n.t("common.status")}</th>
										<th scope="col">{i18n.t("notifications.attempts")}</th>
										<th scope="col">{i18n.t("notifications.error")}</th>
									</tr>
								</thead>
								<tbody>
									{data.objects.map((d) => (
										<tr key={d.id}>
											<td>{new Date(d.createdAt).toLocaleString(i18n.lang)}</td>
											<td>{d.channel}</td>
											<td>{d.target}</td>
											<td>
												<StatusBadge status={d.status === "sent" ? "succeeded" : d.status === "failed" ? "failed" : "pending"} label={d.status} />
											</td>
											<td>{d.attempts}</td>
											<td>{d.lastError ?? ""}</td>
										</tr>
									))}
								</tbody>
							</table>
						)}
					</>
				)}
			</PageState>
		</>
	);
}
