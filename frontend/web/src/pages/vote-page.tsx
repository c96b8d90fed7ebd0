import { useId, useState } from "react";
import { Link, useParams } from "react-router";
import { ErrorNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { ChartPanel } from "../components/chart-panel.tsx";
import { ballotClass, ballotText, billPath, partyName, resultText } from "../components/labels.ts";
import { usePageTitle } from "../components/page-title.ts";
import { useI18n } from "../i18n.ts";
import { useApi } from "../platform.tsx";

/** A House division has at most 343 ballots: one request at the API's largest page holds them all. */
const ALL_BALLOTS = 500;

function Ballots({ session, number, parties }: { session: string; number: string; parties: { key: string; label: string }[] }) {
	const api = useApi();
	const i18n = useI18n();
	const id = useId();
	const [party, setParty] = useState("");
	const ballots = useResource((signal) => api.ballots({ vote: `${session}/${number}`, limit: ALL_BALLOTS }, signal), [session, number]);
	const rows = ballots.data?.objects.filter((b) => party === "" || (b.party ?? "") === party) ?? [];
	return (
		<section aria-labelledby="all-ballots">
			<h2 id="all-ballots">{i18n.t("vote.ballots")}</h2>
			<div className="filters">
				<div className="field">
					<label htmlFor={`${id}-party`}>{i18n.t("vote.filterParty")}</label>
					<select id={`${id}-party`} value={party} onChange={(event) => setParty(event.target.value)}>
						<option value="">{i18n.t("common.any")}</option>
						{parties.map((p) => (
							<option key={p.key} value={p.key}>
								{p.label}
							</option>
						))}
					</select>
				</div>
			</div>
			{ballots.state === "loading" ? <Loading label={i18n.t("common.loading")} /> : null}
			{ballots.state === "failed" ? <ErrorNotice error={ballots.error} lang={i18n.lang} retry={ballots.reload} retryLabel={i18n.t("common.retry")} /> : null}
			{ballots.state === "ready" ? (
				<div className="table-wrap">
					<table data-testid="ballots">
						<thead>
							<tr>
								<th scope="col">{i18n.t("vote.member")}</th>
								<th scope="col">{i18n.t("common.party")}</th>
								<th scope="col">{i18n.t("politician.ballot")}</th>
								<th scope="col">{i18n.t("vote.dissent")}</th>
							</tr>
						</thead>
						<tbody>
							{rows.map((b) => (
								<tr key={b.politician.slug}>
									<td>
										<Link to={`/politicians/${b.politician.slug}`}>{b.politician.name}</Link>
									</td>
									<td>{parties.find((p) => p.key === b.party)?.label ?? b.party ?? i18n.t("common.independent")}</td>
									<td className={ballotClass(b.ballot)}>{ballotText(i18n, b.ballot)}</td>
									<td>{b.dissent ? i18n.t("common.yes") : ""}</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
			) : null}
		</section>
	);
}

export function VotePage() {
	const { session = "", number = "" } = useParams();
	const api = useApi();
	const i18n = useI18n();
	const vote = useResource((signal) => api.vote(session, number, signal), [session, number]);
	usePageTitle(i18n.t("vote.title", { number, session }));
	if (vote.state === "loading") return <Loading label={i18n.t("common.loading")} />;
	if (vote.state === "failed") {
		return (
			<>
				<h1>{i18n.t("vote.title", { number, session })}</h1>
				<ErrorNotice error={vote.error} lang={i18n.lang} retry={vote.reload} retryLabel={i18n.t("common.retry")} />
			</>
		);
	}
	const v = vote.data;
	const parties = v.party_results.map((r) => ({ key: r.party?.key ?? "", label: partyName(i18n, r.party) }));
	return (
		<>
			<p className="muted">
				{i18n.t("vote.title", { number: v.number, session: v.session })} · {i18n.formatDate(v.date)}
			</p>
			<h1>{i18n.pick(v.description_en, v.description_fr)}</h1>
			<p>
				<strong data-testid="vote-result" className={v.result === "Passed" ? "yes" : "no"}>
					{resultText(i18n, v.result)}
				</strong>{" "}
				— {i18n.t("vote.yeas")} {v.yea_total}, {i18n.t("vote.nays")} {v.nay_total}, {i18n.t("vote.paired")} {v.paired_total}
			</p>
			{v.bill ? (
				<p>
					<Link to={billPath(v.session, v.bill.number)}>{i18n.t("vote.onBill", { number: v.bill.number })}</Link>
				</p>
			) : null}
			<section aria-labelledby="by-party">
				<h2 id="by-party">{i18n.t("vote.byParty")}</h2>
				<div className="table-wrap">
					<table data-testid="party-results">
						<thead>
							<tr>
								<th scope="col">{i18n.t("common.party")}</th>
								<th scope="col">{i18n.t("common.yes")}</th>
								<th scope="col">{i18n.t("common.no")}</th>
								<th scope="col">{i18n.t("common.paired")}</th>
								<th scope="col">{i18n.t("common.didntVote")}</th>
								<th scope="col">{i18n.t("vote.position")}</th>
								<th scope="col">{i18n.t("vote.freeVote")}</th>
							</tr>
						</thead>
						<tbody>
							{v.party_results.map((r) => (
								<tr key={r.party?.key ?? "none"}>
									<th scope="row">{partyName(i18n, r.party)}</th>
									<td>{r.yes}</td>
									<td>{r.no}</td>
									<td>{r.paired}</td>
									<td>{r.didnt_vote}</td>
									<td className={ballotClass(r.position)}>{r.position ? ballotText(i18n, r.position) : i18n.t("vote.noPosition")}</td>
									<td>{r.free_vote ? i18n.t("common.yes") : ""}</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
			</section>
			<ChartPanel title={i18n.t("vote.chart")} load={(signal) => api.charts.vote(v.session, v.number, signal)} deps={[v.session, v.number]} />
			<Ballots session={v.session} number={String(v.number)} parties={parties} />
		</>
	);
}
