/**
 * Deployments: wanted against live and drift, from the deployment routes another branch is
 * building. Until the gateway publishes them the page says so plainly (a 404 of an unknown route).
 */
import { ApiError } from "@openpolicy/frontend-shared/api-client.ts";
import { ErrorNotice, InfoNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { usePageTitle } from "../components/page-state.tsx";
import { useI18n } from "../i18n.ts";
import { usePlatform } from "../platform.tsx";

export function DeploymentsPage() {
	const { admin } = usePlatform();
	const i18n = useI18n();
	usePageTitle(i18n.t("deploy.title"));
	const topology = useResource(async (signal) => {
		const [wanted, drift] = await Promise.all([admin.deployment.topology(signal), admin.deployment.drift(signal)]);
		return { wanted, drift };
	}, [admin]);
	return (
		<>
			<h1>{i18n.t("deploy.title")}</h1>
			{topology.state === "loading" ? <Loading label={i18n.t("common.loading")} /> : null}
			{topology.state === "failed" ? (
				topology.error instanceof ApiError && topology.error.routeMissing ? (
					<InfoNotice>{i18n.t("deploy.missing")}</InfoNotice>
				) : (
					<ErrorNotice error={topology.error} lang={i18n.lang} retry={topology.reload} retryLabel={i18n.t("common.retry")} />
				)
			) : null}
			{topology.state === "ready" ? (
				<>
					<h2>{i18n.t("deploy.topology")}</h2>
					<pre>{JSON.stringify(topology.data.wanted, null, 2)}</pre>
					<h2>{i18n.t("deploy.drift")}</h2>
					<pre>{JSON.stringify(topology.data.drift, null, 2)}</pre>
				</>
			) : null}
		</>
	);
}
