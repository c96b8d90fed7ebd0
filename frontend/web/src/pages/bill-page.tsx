import { useState } from "react";
import { Link, useParams } from "react-router";
import type { BillDetail } from "@openpolicy/frontend-shared/api-types.ts";
import { ApiError } from "@openpolicy/frontend-shared/api-client.ts";
import { describeError } from "@openpolicy/frontend-shared/describe-error.ts";
import { ErrorNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { ChartPanel } from "../components/chart-panel.tsx";
import { FollowButton } from "../components/follow-button.tsx";
import { resultText, votePath } from "../components/labels.ts";
import { usePageTitle } from "../components/page-title.ts";
import { useI18n } from "../i18n.ts";
import { useApi, useSessionState } from "../platform.tsx";

function Stances({ bill }: { bill: BillDetail }) {
	const api = useApi();
	const i18n = useI18n();
	const session = useSessionState();
	const [counts, setCounts] = useState(bill.stances);
	const [mine, setMine] = useState<"support" | "oppose" | null>(null);
	const [error, setError] = useState<unknown>();
	async function choose(stance: "support" | "oppose"): Promise<void> {
		setError(undefined);
		try {
			const answer = await api.me.stance(bill.session, bill.number, mine === stance ? null : stance);
			setCounts(answer.counts);
			setMine(answer.stance);
		} catch (err) {
			setError(err);
		}
	}
	return (
		<section aria-labelledby="stances">
			<h2 id="stances">{i18n.t("bill.stances")}</h2>
			<p data-testid="stance-counts">{i18n.t("bill.counts", { support: counts.support, oppose: counts.oppose })}</p>
			{session ? (
				<div className="pager">
					<button type="button" aria-pressed={mine === "support"} onClick={() => void choose("support")}>
						{i18n.t("bill.support")}
					</button>
					<button type="button" aria-pressed={mine === "oppose"} onClick={() => void choose("oppose")}>
						{i18n.t("bill.oppose")}
					</button>
				</div>
			) : (
				<p>
					<Link to="/account">{i18n.t("bill.signInToTakeStance")}</Link>
				</p>
			)}
			{error !== undefined ? (
				<p role="alert" className="notice notice-error">
					{describeError(error, i18n.lang)}
				</p>
			) : null}
		</section>
	);
}

export function BillPage() {
	const { session = "", number = "" } = useParams();
	const api = useApi();
	const i18n = useI18n();
	const bill = useResource((signal) => api.bill(session, number, signal), [session, number]);
	const title = bill.data ? i18n.pick(bill.data.short_title_en ?? bill.data.title_en, bill.data.short_title_fr ?? bill.data.title_fr) : "";
	usePageTitle(bill.data ? `${bill.data.number} ${title}` : number);

	if (bill.state === "loading") return <Loading label={i18n.t("common.loading")} />;
	if (bill.state === "failed") {
		const missing = bill.error instanceof ApiError && bill.error.status === 404 && !bill.error.routeMissing;
		return (
			<>
				<h1>{number}</h1>
				{missing ? <p role="alert">{i18n.t("bill.notFound", { number, session })}</p> : <ErrorNotice error={bill.error} lang={i18n.lang} retry={bill.reload} retryLabel={i18n.t("common.retry")} />}
			</>
		);
	}
	const data = bill.data;
	const latestVote = data.votes[0];
	return (
		<>
			<p className="muted">
				{data.chamber === "Senate" ? i18n.t("bills.senate") : i18n.t("bills.house")} · {i18n.t("common.session")} {data.session}
			</p>
			<h1>
				{data.number} <span>{title}</span>
			</h1>
			{title !== i18n.pick(data.title_en, data.title_fr) ? <p>{i18n.pick(data.title_en, data.title_fr)}</p> : null}
			<p>
				<strong>{i18n.pick(data.status_text_en, data.status_text_fr)}</strong>
				{data.law ? <> · {i18n.t("bill.law")}</> : null}
				{data.introduced ? <> · {i18n.t("bill.introduced", { date: i18n.formatDate(data.introduced) })}</> : null}
			</p>
			{data.sponsor ? (
				<p>
					{i18n.t("bill.sponsor")}: <Link to={`/politicians/${data.sponsor.slug}`}>{data.sponsor.name}</Link>
				</p>
			) : null}
			<FollowButton target={{ bill: `${data.session}/${data.number}` }} label={data.number} />
			<section aria-labelledby="timeline">
				<h2 id="timeline">{i18n.t("bill.timeline")}</h2>
				{data.stages.length === 0 ? (
					<p className="muted">{i18n.t("bill.noStages")}</p>
				) : (
					<ol className="timeline">
						{data.stages.map((stage, i) => (
							<li key={i}>
								<strong>{i18n.pick(stage.name_en ?? stage.stage ?? stage.code, stage.name_fr)}</strong> {stage.chamber ? <span className="muted">({stage.chamber})</span> : null}{" "}
								{stage.date ? <span className="muted">{i18n.formatDate(stage.date)}</span> : null}
							</li>
						))}
					</ol>
				)}
			</section>
			<section aria-labelledby="bill-votes">
				<h2 id="bill-votes">{i18n.t("bill.votes")}</h2>
				{data.votes.length === 0 ? (
					<p className="muted">{i18n.t("bill.noVotes")}</p>
				) : (
					<ul>
						{data.votes.map((vote) => (
							<li key={vote.number}>
								<Link to={votePath(vote.session, vote.number)}>{i18n.pick(vote.description_en, vote.description_fr)}</Link>{" "}
								<span className="muted">
									{i18n.formatDate(vote.date)} · {resultText(i18n, vote.result)} ({vote.yea_total}–{vote.nay_total})
								</span>
							</li>
						))}
					</ul>
				)}
			</section>
			{latestVote ? <ChartPanel title={i18n.t("bill.byParty")} load={(signal) => api.charts.vote(latestVote.session, latestVote.number, signal)} deps={[latestVote.session, latestVote.number]} /> : null}
			<Stances bill={data} />
		</>
	);
}
