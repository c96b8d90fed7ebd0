/**
 * ETL runs with live progress (each `etl.run.progress` on the SSE stream replaces its run in the
 * list), start (a source and, optionally, a URL the allow-list permits) and cancel, and the open
 * data-quality issues, each with the raw input and the raw document (key and hash) it was found in;
 * they are read again when a run ends, since a run may find or clear some.
 */
import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
import { ETL_SOURCES, type EtlRun, type EtlSource } from "@openpolicy/frontend-shared/admin-types.ts";
import { ErrorNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { PageState, usePageTitle } from "../components/page-state.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { useAction } from "../components/use-action.ts";
import { usePlatformEvents } from "../components/use-platform-events.ts";
import { useI18n } from "../i18n.ts";
import { usePlatform } from "../platform.tsx";

function isRun(value: unknown): value is EtlRun {
	return typeof value === "object" && value !== null && "id" in value && "status" in value && "source" in value;
}

const ACTIVE = new Set(["queued", "running"]);

function upsert(runs: EtlRun[], run: EtlRun): EtlRun[] {
	const index = runs.findIndex((r) => r.id === run.id);
	if (index === -1) return [run, ...runs];
	return runs.map((r, i) => (i === index ? run : r));
}

export function EtlPage() {
	const { admin } = usePlatform();
	const i18n = useI18n();
	const id = useId();
	usePageTitle(i18n.t("etl.title"));
	const [runs, setRuns] = useState<EtlRun[]>();
	const [error, setError] = useState<unknown>();
	const action = useAction();
	const issues = useResource((signal) => admin.etl.issues(signal), [admin]);

	const load = useCallback(() => {
		admin.etl.runs().then(
			(data) => {
				setRuns(data.runs);
				setError(undefined);
			},
			(err: unknown) => setError(err)
		);
	}, [admin]);
	useEffect(load, [load]);
	const stream = usePlatformEvents((name, data) => {
		if (name !== "etl.run.progress" || !isRun(data)) return;
		setRuns((list) => upsert(list ?? [], data));
		if (!ACTIVE.has(data.status)) issues.reload();
	});
	useEffect(() => {
		if (stream === "open") load();
	}, [stream, load]);

	function start(event: FormEvent<HTMLFormElement>): void {
		event.preventDefault();
		const form = new FormData(event.currentTarget);
		const source = String(form.get("source")) as EtlSource;
		const url = String(form.get("url") ?? "").trim();
		void action.run(async () => {
			const run = await admin.etl.start(source, url || undefined);
			setRuns((list) => upsert(list ?? [], run));
		});
	}

	function cancel(runId: string): void {
		void action.run(async () => {
			const run = await admin.etl.cancel(runId);
			setRuns((list) => upsert(list ?? [], run));
		});
	}

	return (
		<>
			<h1>{i18n.t("etl.title")}</h1>
			<form className="inline-form" onSubmit={start} aria-labelledby={`${id}-start`}>
				<h2 id={`${id}-start`}>{i18n.t("etl.start")}</h2>
				<div className="field">
					<label htmlFor={`${id}-source`}>{i18n.t("etl.source")}</label>
					<select id={`${id}-source`} name="source" defaultValue="openparliament">
						{ETL_SOURCES.map((source) => (
							<option key={source} value={source}>
								{source}
							</option>
						))}
					</select>
				</div>
				<div className="field">
					<label htmlFor={`${id}-url`}>{i18n.t("etl.url")}</label>
					<input id={`${id}-url`} name="url" type="url" maxLength={2048} />
				</div>
				<button type="submit" disabled={action.busy}>
					{i18n.t("etl.startButton")}
				</button>
			</form>
			{action.error ? <ErrorNotice error={action.error} lang={i18n.lang} /> : null}
			{error ? <ErrorNotice error={error} lang={i18n.lang} retry={load} retryLabel={i18n.t("common.retry")} /> : null}
			{!runs && !error ? <Loading label={i18n.t("common.loading")} /> : null}
			{runs && runs.length === 0 ? <p>{i18n.t("etl.noRuns")}</p> : null}
			{runs && runs.length > 0 ? (
				<table className="data-table">
					<thead>
						<tr>
							<th scope="col">{i18n.t("etl.run")}</th>
							<th scope="col">{i18n.t("etl.source")}</th>
							<th scope="col">{i18n.t("common.status")}</th>
							<th scope="col">{i18n.t("etl.progress")}</th>
							<th scope="col">{i18n.t("common.when")}</th>
							<th scope="col">{i18n.t("etl.cancel")}</th>
						</tr>
					</thead>
					<tbody>
						{runs.map((run) => {
							const counts = i18n.t("etl.counts", { pages: run.progress.pages ?? 0, documents: run.progress.documents ?? 0 });
							const active = ACTIVE.has(run.status);
							return (
								<tr key={run.id} data-testid={`run-${run.id}`} data-status={run.status}>
									<td>
										<code>{run.id.slice(0, 8)}</code>
									</td>
									<td>{run.source}</td>
									<td>
										<StatusBadge status={run.status} /> {run.error ?? ""}
									</td>
									<td>
										{/* The source does not say how many pages it has: indeterminate while running, full at the end. */}
										{active ? <progress aria-label={counts} /> : <progress aria-label={counts} value={1} max={1} />} <span>{counts}</span>
									</td>
									<td>{new Date(run.createdAt).toLocaleString(i18n.lang)}</td>
									<td>
										{active ? (
											<button type="button" disabled={action.busy} onClick={() => cancel(run.id)}>
												{i18n.t("etl.cancel")}
											</button>
										) : null}
									</td>
								</tr>
							);
						})}
					</tbody>
				</table>
			) : null}
			<section aria-labelledby={`${id}-issues`}>
				<h2 id={`${id}-issues`}>{i18n.t("etl.issues")}</h2>
				<PageState resource={issues}>
					{(data) =>
						data.objects.length === 0 ? (
							<p data-testid="no-issues">{i18n.t("etl.noIssues")}</p>
						) : (
							<>
								<p>{i18n.t("etl.issuesShown", { shown: data.objects.length, total: data.pagination.total })}</p>
								<table className="data-table">
									<thead>
										<tr>
											<th scope="col">{i18n.t("etl.source")}</th>
											<th scope="col">{i18n.t("etl.record")}</th>
											<th scope="col">{i18n.t("etl.reason")}</th>
											<th scope="col">{i18n.t("etl.seen")}</th>
											<th scope="col">{i18n.t("etl.document")}</th>
										</tr>
									</thead>
									<tbody>
										{data.objects.map((issue) => (
											<tr key={issue.id} data-testid={`issue-${issue.id}`}>
												<td>{issue.source}</td>
												<td>
													<code>{issue.recordKey ?? "—"}</code>
												</td>
												<td>{issue.reason}</td>
												<td>
													{i18n.t("etl.timesSeen", { times: issue.timesSeen })} · {new Date(issue.lastSeenAt).toLocaleString(i18n.lang)} ·{" "}
													<code title={issue.lastRunId}>{issue.lastRunId.slice(0, 8)}</code>
												</td>
												<td>
													{issue.document ? (
														<>
															<code className="wrap">{issue.document.key}</code>
															{issue.document.hash ? (
																<>
																	{" "}
																	<code title={issue.document.hash}>{issue.document.hash.slice(0, 12)}</code>
																</>
															) : null}
														</>
													) : (
														i18n.t("etl.noDocument")
													)}
													{issue.raw === null || issue.raw === undefined ? null : (
														<details>
															<summary>{i18n.t("etl.raw")}</summary>
															<pre>{JSON.stringify(issue.raw, null, 2)}</pre>
														</details>
													)}
												</td>
											</tr>
										))}
									</tbody>
								</table>
							</>
						)
					}
				</PageState>
			</section>
		</>
	);
}
