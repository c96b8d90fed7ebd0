/**
 * The cluster, live: nodes and services (live against wanted) from the health service, read again
 * whenever a `health.status.changed` arrives on the SSE stream, and each transition listed as it
 * happens, so a node that dies turns red without a reload.
 */
import { useCallback, useEffect, useState } from "react";
import type { ClusterHealth, Transition } from "@openpolicy/frontend-shared/admin-types.ts";
import { ErrorNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { usePageTitle } from "../components/page-state.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { usePlatformEvents } from "../components/use-platform-events.ts";
import { useI18n } from "../i18n.ts";
import { usePlatform } from "../platform.tsx";

const MAX_TRANSITIONS = 50;

function isTransition(value: unknown): value is Transition {
	return typeof value === "object" && value !== null && "kind" in value && "id" in value && "to" in value;
}

export function ClusterPage() {
	const { admin } = usePlatform();
	const i18n = useI18n();
	usePageTitle(i18n.t("cluster.title"));
	const [cluster, setCluster] = useState<ClusterHealth>();
	const [error, setError] = useState<unknown>();
	const [transitions, setTransitions] = useState<Transition[]>([]);

	const load = useCallback(() => {
		admin.health.cluster().then(
			(data) => {
				setCluster(data);
				setError(undefined);
			},
			(err: unknown) => setError(err)
		);
	}, [admin]);
	useEffect(load, [load]);

	const stream = usePlatformEvents((name, data) => {
		if (name !== "health.status.changed") return;
		if (isTransition(data)) setTransitions((list) => [data, ...list].slice(0, MAX_TRANSITIONS));
		load();
	});
	// The stream (re)opened: anything missed while it was closed is in a fresh read.
	useEffect(() => {
		if (stream === "open") load();
	}, [stream, load]);

	const label = (status: string) => (status === "up" || status === "down" || status === "degraded" ? i18n.t(`status.${status}`) : status);
	return (
		<>
			<h1>{i18n.t("cluster.title")}</h1>
			<p className="stream-state" role="status" data-testid="stream-state" data-state={stream}>
				{i18n.t(`cluster.stream.${stream}`)}
			</p>
			{error ? <ErrorNotice error={error} lang={i18n.lang} retry={load} retryLabel={i18n.t("common.retry")} /> : null}
			{!cluster && !error ? <Loading label={i18n.t("common.loading")} /> : null}
			{cluster ? (
				<>
					<p data-testid="cluster-status">{i18n.t("cluster.overall", { status: label(cluster.status) })}</p>
					<section aria-labelledby="nodes-title">
						<h2 id="nodes-title">{i18n.t("cluster.nodes")}</h2>
						<table className="data-table">
							<thead>
								<tr>
									<th scope="col">{i18n.t("cluster.node")}</th>
									<th scope="col">{i18n.t("common.status")}</th>
									<th scope="col">{i18n.t("cluster.since")}</th>
									<th scope="col">{i18n.t("cluster.services")}</th>
								</tr>
							</thead>
							<tbody>
								{cluster.nodes.map((node) => (
									<tr key={node.id} data-testid={`node-${node.id}`} data-state={node.state}>
										<th scope="row">{node.id}</th>
										<td>
											<StatusBadge status={node.state} label={label(node.state)} /> {node.reason ?? ""}
										</td>
										<td>{new Date(node.since).toLocaleTimeString(i18n.lang)}</td>
										<td>{node.services.join(", ")}</td>
									</tr>
								))}
							</tbody>
						</table>
					</section>
					<section aria-labelledby="services-title">
						<h2 id="services-title">{i18n.t("cluster.services")}</h2>
						<table className="data-table">
							<thead>
								<tr>
									<th scope="col">{i18n.t("cluster.service")}</th>
									<th scope="col">{i18n.t("common.status")}</th>
									<th scope="col">{i18n.t("cluster.liveWanted")}</th>
									<th scope="col">{i18n.t("cluster.reasons")}</th>
								</tr>
							</thead>
							<tbody>
								{cluster.services.map((service) => (
									<tr key={service.name} data-testid={`service-${service.name}`} data-state={service.status}>
										<th scope="row">{service.name}</th>
										<td>
											<StatusBadge status={service.status} label={label(service.status)} />
										</td>
										<td>
											{service.live} / {service.wanted}
										</td>
										<td>{service.reasons.join("; ")}</td>
									</tr>
								))}
							</tbody>
						</table>
					</section>
				</>
			) : null}
			<section aria-labelledby="transitions-title">
				<h2 id="transitions-title">{i18n.t("cluster.transitions")}</h2>
				{transitions.length === 0 ? (
					<p>{i18n.t("cluster.noTransitions")}</p>
				) : (
					<ol aria-live="polite" data-testid="transitions">
						{transitions.map((t) => (
							<li key={`${t.at}-${t.kind}-${t.id}-${t.to}`}>
								<time dateTime={t.at}>{new Date(t.at).toLocaleTimeString(i18n.lang)}</time> {i18n.t("cluster.change", { kind: t.kind, id: t.id, from: t.from, to: t.to })}
								{t.reason ? ` (${t.reason})` : ""}
							</li>
						))}
					</ol>
				)}
			</section>
		</>
	);
}
