import { ErrorNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { API } from "@openpolicy/frontend-shared/public-api.ts";
import { usePageTitle } from "../components/page-title.ts";
import { useI18n } from "../i18n.ts";
import { useApi } from "../platform.tsx";

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** The OpenAPI document rendered as a list of routes, for developers deciding what to call. */
export function ApiPage() {
	const api = useApi();
	const i18n = useI18n();
	usePageTitle(i18n.t("api.title"));
	const doc = useResource((signal) => api.openapi(signal), []);
	const routes = doc.data
		? Object.entries(doc.data.paths ?? {}).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ path, method: m.toUpperCase(), summary: item[m]?.summary ?? item[m]?.description ?? "" })))
		: [];
	return (
		<>
			<h1>{i18n.t("api.title")}</h1>
			<p>
				<a href={`${API}/openapi.json`}>{i18n.t("api.download")}</a>
			</p>
			{doc.state === "loading" ? <Loading label={i18n.t("common.loading")} /> : null}
			{doc.state === "failed" ? <ErrorNotice error={doc.error} lang={i18n.lang} retry={doc.reload} retryLabel={i18n.t("common.retry")} /> : null}
			{doc.state === "ready" ? (
				<>
					<p>
						{doc.data.info?.title} {doc.data.info?.version} · {i18n.t("api.routes", { count: routes.length })}
					</p>
					<div className="table-wrap">
						<table>
							<tbody>
								{routes.map((r) => (
									<tr key={`${r.method} ${r.path}`}>
										<td>
											<code>{r.method}</code>
										</td>
										<td>
											<code>{r.path}</code>
										</td>
										<td>{r.summary}</td>
									</tr>
								))}
							</tbody>
						</table>
					</div>
				</>
			) : null}
		</>
	);
}
