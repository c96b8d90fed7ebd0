import { Link } from "react-router";
import type { SourceStatus } from "@openpolicy/frontend-shared/api-types.ts";
import { formatAge } from "@openpolicy/frontend-shared/i18n.tsx";
import { ErrorNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { billPath, resultText, votePath } from "../components/labels.ts";
import { usePageTitle } from "../components/page-title.ts";
import { SearchBox } from "../components/search-box.tsx";
import { useI18n } from "../i18n.ts";
import { useApi } from "../platform.tsx";

/** The freshest successful run among the sources that have one: what "updated 2 hours ago" means. */
function freshest(sources: SourceStatus[]): number | undefined {
	const ages = sources.map((s) => s.age_seconds).filter((age): age is number => typeof age === "number");
	return ages.length > 0 ? Math.min(...ages) : undefined;
}

function Freshness() {
	const api = useApi();
	const i18n = useI18n();
	const sources = useResource((signal) => api.sources(signal), []);
	if (sources.state === "loading") return <Loading label={i18n.t("common.loading")} />;
	if (sources.state === "failed") return <ErrorNotice error={sources.error} lang={i18n.lang} />;
	const age = freshest(sources.data.objects);
	const loaded = sources.data.objects.filter((s) => typeof s.age_seconds === "number");
	return (
		<div className="freshness" data-testid="freshness">
			<p>{age === undefined ? i18n.t("home.freshnessNever") : i18n.t("home.freshness", { age: formatAge(age, i18n.lang) })}</p>
			{loaded.length > 1 ? (
				<ul className="muted">
					{loaded.map((s) => (
						<li key={s.source}>{i18n.t("home.freshnessSource", { source: s.source, age: formatAge(s.age_seconds ?? 0, i18n.lang) })}</li>
					))}
				</ul>
			) : null}
		</div>
	);
}

function RecentVotes() {
	const api = useApi();
	const i18n = useI18n();
	const votes = useResource((signal) => api.votes({ sort: "-date", limit: 5 }, signal), []);
	return (
		<section aria-labelledby="recent-votes">
			<h2 id="recent-votes">{i18n.t("home.recentVotes")}</h2>
			{votes.state === "loading" ? <Loading label={i18n.t("common.loading")} /> : null}
			{votes.state === "failed" ? <ErrorNotice error={votes.error} lang={i18n.lang} retry={votes.reload} retryLabel={i18n.t("common.retry")} /> : null}
			{votes.state === "ready" ? (
				<ul>
					{votes.data.objects.map((vote) => (
						<li key={`${vote.session}/${vote.number}`}>
							<Link to={votePath(vote.session, vote.number)}>{i18n.pick(vote.description_en, vote.description_fr)}</Link>{" "}
							<span className="muted">
								{i18n.formatDate(vote.date)} · {resultText(i18n, vote.result)} ({vote.yea_total}–{vote.nay_total})
							</span>
						</li>
					))}
				</ul>
			) : null}
		</section>
	);
}

function MovedBills() {
	const api = useApi();
	const i18n = useI18n();
	const bills = useResource((signal) => api.bills({ sort: "-updated", limit: 5 }, signal), []);
	return (
		<section aria-labelledby="moved-bills">
			<h2 id="moved-bills">{i18n.t("home.movedBills")}</h2>
			{bills.state === "loading" ? <Loading label={i18n.t("common.loading")} /> : null}
			{bills.state === "failed" ? <ErrorNotice error={bills.error} lang={i18n.lang} retry={bills.reload} retryLabel={i18n.t("common.retry")} /> : null}
			{bills.state === "ready" ? (
				<ul>
					{bills.data.objects.map((bill) => (
						<li key={`${bill.session}/${bill.number}`}>
							<Link to={billPath(bill.session, bill.number)}>
								{bill.number} {i18n.pick(bill.short_title_en ?? bill.title_en, bill.short_title_fr ?? bill.title_fr)}
							</Link>{" "}
							<span className="muted">{i18n.pick(bill.status_text_en, bill.status_text_fr)}</span>
						</li>
					))}
				</ul>
			) : null}
			<p>
				<Link to="/bills">{i18n.t("home.allBills")}</Link>
			</p>
		</section>
	);
}

export function HomePage() {
	const i18n = useI18n();
	usePageTitle("");
	return (
		<>
			<h1>{i18n.t("home.title")}</h1>
			<p>{i18n.t("home.intro")}</p>
			<SearchBox />
			<Freshness />
			<div className="grid-2">
				<RecentVotes />
				<MovedBills />
			</div>
		</>
	);
}
