/** A chart from the viz service, or a clear message when there is none (the route may not exist yet). */
import type { Figure } from "@openpolicy/frontend-shared/api-types.ts";
import { ApiError } from "@openpolicy/frontend-shared/api-client.ts";
import { ErrorNotice, InfoNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { PlotlyFigure } from "@openpolicy/frontend-shared/ui/plotly-figure.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { useI18n } from "../i18n.ts";

export function ChartPanel({ title, load, deps }: { title: string; load: (signal: AbortSignal) => Promise<Figure>; deps: readonly unknown[] }) {
	const i18n = useI18n();
	const figure = useResource(load, deps);
	return (
		<section aria-label={title} className="chart-panel">
			<h2>{title}</h2>
			{figure.state === "loading" ? <Loading label={i18n.t("common.loading")} /> : null}
			{figure.state === "failed" ? (
				figure.error instanceof ApiError && figure.error.status === 404 ? (
					<InfoNotice>{i18n.t("common.chartMissing")}</InfoNotice>
				) : (
					<ErrorNotice error={figure.error} lang={i18n.lang} retry={figure.reload} retryLabel={i18n.t("common.retry")} />
				)
			) : null}
			{figure.state === "ready" ? <PlotlyFigure figure={figure.data} title={title} failedText={i18n.t("common.chartFailed")} /> : null}
		</section>
	);
}
