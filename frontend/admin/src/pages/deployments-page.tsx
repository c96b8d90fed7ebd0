/**
 * Deployments: the wanted topology beside what is live (the health service's view of the cluster),
 * the drift the deployment service sees, and rollouts: start a rolling replacement of a service's
 * nodes and watch its steps as `deployment.rollout.step` arrives on the SSE stream. Drift and the
 * live counts are read again on every node or service transition and every rollout step, so the
 * page follows the cluster without a reload.
 */
import { type FormEvent, useEffect, useId, useState } from "react";
import type { ClusterHealth, DriftReport, Rollout, RolloutStepEvent, Topology } from "@openpolicy/frontend-shared/admin-types.ts";
import { ErrorNotice } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { PageState, usePageTitle } from "../components/page-state.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { useAction } from "../components/use-action.ts";
import { usePlatformEvents } from "../components/use-platform-events.ts";
import { useI18n } from "../i18n.ts";
import { usePlatform } from "../platform.tsx";

function isStepEvent(value: unknown): value is RolloutStepEvent {
	return typeof value === "object" && value !== null && "rollout" in value && "step" in value && typeof (value as { step: unknown }).step === "object";
}

/** The steps after which a rollout has stopped: read it again for its final state and report. */
const FINAL_PHASES = new Set(["done", "failed", "refused", "timeout"]);

function TopologyTable({ topology, cluster }: { topology: Topology; cluster: ClusterHealth | undefined }) {
	const i18n = useI18n();
	const live = new Map((cluster?.services ?? []).map((s) => [s.name, s]));
	const names = Object.keys(topology.services).sort();
	return (
		<>
			<p data-testid="topology-version">
				{topology.version === 0
					? i18n.t("deploy.noTopology")
					: i18n.t("deploy.version", { version: topology.version, by: topology.changedBy, reason: topology.reason, at: topology.changedAt ? new Date(topology.changedAt).toLocaleString(i18n.lang) : "" })}
			</p>
			{names.length > 0 ? (
				<table className="data-table" data-testid="topology">
					<thead>
						<tr>
							<th scope="col">{i18n.t("deploy.service")}</th>
							<th scope="col">{i18n.t("deploy.wanted")}</th>
							<th scope="col">{i18n.t("deploy.live")}</th>
							<th scope="col">{i18n.t("deploy.wantedVersion")}</th>
						</tr>
					</thead>
					<tbody>
						{names.map((name) => {
							const target = topology.services[name];
							const service = live.get(name);
							return (
								<tr key={name} data-testid={`topology-${name}`}>
									<th scope="row">{name}</th>
									<td>{target?.replicas ?? 0}</td>
									<td>{service ? `${service.live} (${service.nodes.join(", ")})` : "0"}</td>
									<td>{target?.version ?? i18n.t("deploy.anyVersion")}</td>
								</tr>
							);
						})}
					</tbody>
				</table>
			) : null}
		</>
	);
}

function DriftTable({ drift }: { drift: DriftReport }) {
	const i18n = useI18n();
	if (drift.inSync) return <p data-testid="drift-in-sync">{i18n.t("deploy.inSync", { version: drift.topologyVersion })}</p>;
	return (
		<table className="data-table" data-testid="drift">
			<thead>
				<tr>
					<th scope="col">{i18n.t("deploy.service")}</th>
					<th scope="col">{i18n.t("deploy.kind")}</th>
					<th scope="col">{i18n.t("deploy.wanted")}</th>
					<th scope="col">{i18n.t("deploy.live")}</th>
					<th scope="col">{i18n.t("deploy.summary")}</th>
				</tr>
			</thead>
			<tbody>
				{drift.items.map((item) => (
					<tr key={item.subject} data-testid={`drift-${item.subject}`}>
						<th scope="row">{item.service}</th>
						<td>
							<StatusBadge status={item.expected ? "degraded" : "down"} label={item.kind} />
						</td>
						<td>{item.wanted}</td>
						<td>{item.live}</td>
						<td>
							{item.summary}
							{item.expected ? ` (${i18n.t("deploy.expected")})` : ""}
						</td>
					</tr>
				))}
			</tbody>
		</table>
	);
}

function RolloutView({ rollout }: { rollout: Rollout }) {
	const i18n = useI18n();
	return (
		<article data-testid={`rollout-${rollout.id}`} data-state={rollout.state}>
			<h3>
				{rollout.service} <StatusBadge status={rollout.state} /> <code>{rollout.id.slice(0, 8)}</code>
			</h3>
			<p>{i18n.t("deploy.rolloutBy", { by: rollout.startedBy, reason: rollout.reason, nodes: rollout.nodes.join(", ") })}</p>
			{rollout.report ? <p>{rollout.report}</p> : null}
			<ol data-testid="rollout-steps">
				{rollout.steps.map((step, index) => (
					<li key={index}>
						{new Date(step.at).toLocaleTimeString(i18n.lang)} <StatusBadge status={step.phase} /> {step.node ?? ""} {step.detail}
					</li>
				))}
			</ol>
		</article>
	);
}

export function DeploymentsPage() {
	const { admin } = usePlatform();
	const i18n = useI18n();
	const id = useId();
	usePageTitle(i18n.t("deploy.title"));
	const topology = useResource((signal) => admin.deployment.topology(signal), [admin]);
	const drift = useResource((signal) => admin.deployment.drift(signal), [admin]);
	const cluster = useResource((signal) => admin.health.cluster(signal), [admin]);
	const history = useResource((signal) => admin.deployment.rollouts(signal), [admin]);
	const [watched, setWatched] = useState<Rollout>();
	const action = useAction();

	const stream = usePlatformEvents((name, data) => {
		if (name === "health.status.changed") {
			drift.reload();
			cluster.reload();
			return;
		}
		if (name !== "deployment.rollout.step" || !isStepEvent(data)) return;
		drift.reload();
		setWatched((current) => (current && current.id === data.rollout ? { ...current, steps: [...current.steps, data.step] } : current));
		if (FINAL_PHASES.has(data.step.phase)) {
			history.reload();
			void admin.deployment.rollout(data.rollout).then(
				(final) => setWatched((current) => (current && current.id === final.id ? final : current)),
				() => undefined
			);
		}
	});
	// Steps sent while the stream was down are in the rollout's stored record: read it again once open.
	const watchedId = watched?.id;
	useEffect(() => {
		if (stream !== "open" || watchedId === undefined) return;
		void admin.deployment.rollout(watchedId).then(
			(fresh) => setWatched((current) => (current && current.id === fresh.id ? fresh : current)),
			() => undefined
		);
	}, [stream, watchedId, admin]);

	function start(event: FormEvent<HTMLFormElement>): void {
		event.preventDefault();
		const form = new FormData(event.currentTarget);
		const service = String(form.get("service") ?? "");
		const reason = String(form.get("reason") ?? "").trim();
		void action.run(async () => {
			setWatched(await admin.deployment.startRollout(service, reason));
			history.reload();
		});
	}

	const services = [...new Set([...Object.keys(topology.data?.services ?? {}), ...(cluster.data?.services ?? []).map((s) => s.name)])].sort();
	return (
		<>
			<h1>{i18n.t("deploy.title")}</h1>
			<section aria-labelledby={`${id}-topology`}>
				<h2 id={`${id}-topology`}>{i18n.t("deploy.topology")}</h2>
				<PageState resource={topology}>{(data) => <TopologyTable topology={data} cluster={cluster.data} />}</PageState>
			</section>
			<section aria-labelledby={`${id}-drift`}>
				<h2 id={`${id}-drift`}>{i18n.t("deploy.drift")}</h2>
				<PageState resource={drift}>{(data) => <DriftTable drift={data} />}</PageState>
			</section>
			<section aria-labelledby={`${id}-rollout`}>
				<h2 id={`${id}-rollout`}>{i18n.t("deploy.rollouts")}</h2>
				<form className="inline-form" onSubmit={start}>
					<div className="field">
						<label htmlFor={`${id}-service`}>{i18n.t("deploy.service")}</label>
						<select id={`${id}-service`} name="service" required>
							{services.map((name) => (
								<option key={name} value={name}>
									{name}
								</option>
							))}
						</select>
					</div>
					<div className="field">
						<label htmlFor={`${id}-reason`}>{i18n.t("deploy.reason")}</label>
						<input id={`${id}-reason`} name="reason" required minLength={3} maxLength={500} />
					</div>
					<button type="submit" disabled={action.busy || services.length === 0}>
						{i18n.t("deploy.startRollout")}
					</button>
				</form>
				{action.error ? <ErrorNotice error={action.error} lang={i18n.lang} /> : null}
				{watched ? <RolloutView rollout={watched} /> : null}
				<h3>{i18n.t("deploy.recent")}</h3>
				<PageState resource={history}>
					{(data) =>
						data.objects.length === 0 ? (
							<p>{i18n.t("deploy.noRollouts")}</p>
						) : (
							<ul>
								{data.objects.map((rollout) => (
									<li key={rollout.id}>
										<button type="button" className="link" onClick={() => setWatched(rollout)}>
											{rollout.service}
										</button>{" "}
										<StatusBadge status={rollout.state} /> {new Date(rollout.startedAt).toLocaleString(i18n.lang)} {rollout.report ?? ""}
									</li>
								))}
							</ul>
						)
					}
				</PageState>
			</section>
		</>
	);
}
