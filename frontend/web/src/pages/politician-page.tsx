import { Link, useParams } from "react-router";
import type { DissentBallot, RecordFigures } from "@openpolicy/frontend-shared/api-types.ts";
import { ErrorNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { ChartPanel } from "../components/chart-panel.tsx";
import { FollowButton } from "../components/follow-button.tsx";
import { ballotClass, ballotText, partyName, votePath } from "../components/labels.ts";
import { usePageTitle } from "../components/page-title.ts";
import { useI18n } from "../i18n.ts";
import { useApi } from "../platform.tsx";

/** Only photos the CSP lets in (img-src): the gateway's own and openparliament's, over HTTPS. */
function showablePhoto(url: string | null): string | undefined {
	if (!url) return undefined;
	if (url.startsWith("/")) return url;
	return url.startsWith("https://openparliament.ca/") ? url : undefined;
}

function Figures({ figures, testId }: { figures: RecordFigures; testId: string }) {
	const i18n = useI18n();
	const pct = (n: number | null) => (n === null ? "—" : `${i18n.formatNumber(n, 1)} %`);
	return (
		<dl className="figures" data-testid={testId}>
			<div>
				<dt>{i18n.t("politician.withParty")}</dt>
				<dd data-figure="votes_with_party_pct">{pct(figures.votes_with_party_pct)}</dd>
			</div>
			<div>
				<dt>{i18n.t("politician.missed")}</dt>
				<dd data-figure="missed_votes_pct">{pct(figures.missed_votes_pct)}</dd>
			</div>
			<div>
				<dt>{i18n.t("politician.votesCast")}</dt>
				<dd data-figure="votes_cast">{i18n.formatNumber(figures.votes_cast)}</dd>
			</div>
			<div>
				<dt>{i18n.t("politician.pairedCount")}</dt>
				<dd data-figure="paired">{i18n.formatNumber(figures.paired)}</dd>
			</div>
			<div>
				<dt>{i18n.t("politician.missedCount")}</dt>
				<dd data-figure="missed">{i18n.formatNumber(figures.missed)}</dd>
			</div>
		</dl>
	);
}

function dissentVote(d: DissentBallot): { session: string; number: number; date: string | undefined; en: string | null | undefined; fr: string | null | undefined } | undefined {
	const session = d.vote?.session ?? d.session;
	const number = d.vote?.number ?? d.vote_number;
	if (session === undefined || number === undefined) return undefined;
	return { session, number, date: d.vote?.date ?? d.date, en: d.vote?.description_en ?? d.description_en, fr: d.vote?.description_fr ?? d.description_fr };
}

function Record({ slug }: { slug: string }) {
	const api = useApi();
	const i18n = useI18n();
	const record = useResource((signal) => api.record(slug, signal), [slug]);
	if (record.state === "loading") return <Loading label={i18n.t("common.loading")} />;
	if (record.state === "failed") return <ErrorNotice error={record.error} lang={i18n.lang} retry={record.reload} retryLabel={i18n.t("common.retry")} />;
	const { overall, sessions, dissent } = record.data;
	return (
		<>
			<Figures figures={overall} testId="record-overall" />
			{sessions.length > 1 ? (
				<>
					<h3>{i18n.t("politician.bySession")}</h3>
					<div className="table-wrap">
						<table>
							<thead>
								<tr>
									<th scope="col">{i18n.t("common.session")}</th>
									<th scope="col">{i18n.t("politician.withParty")}</th>
									<th scope="col">{i18n.t("politician.missed")}</th>
									<th scope="col">{i18n.t("politician.votesCast")}</th>
								</tr>
							</thead>
							<tbody>
								{sessions.map((s) => (
									<tr key={s.session}>
										<td>{s.session}</td>
										<td>{s.votes_with_party_pct === null ? "—" : `${i18n.formatNumber(s.votes_with_party_pct, 1)} %`}</td>
										<td>{s.missed_votes_pct === null ? "—" : `${i18n.formatNumber(s.missed_votes_pct, 1)} %`}</td>
										<td>{s.votes_cast}</td>
									</tr>
								))}
							</tbody>
						</table>
					</div>
				</>
			) : null}
			<h3 id="dissent">{i18n.t("politician.dissent")}</h3>
			{dissent.length === 0 ? (
				<p className="muted">{i18n.t("politician.noDissent")}</p>
			) : (
				<ul aria-labelledby="dissent" data-testid="dissent">
					{dissent.map((d, i) => {
						const vote = dissentVote(d);
						return (
							<li key={i}>
								{vote ? <Link to={votePath(vote.session, vote.number)}>{i18n.pick(vote.en, vote.fr) || `${vote.session}/${vote.number}`}</Link> : null}{" "}
								<span className="muted">{vote?.date ? i18n.formatDate(vote.date) : ""}</span> · {i18n.t("politician.ballot")}: <span className={ballotClass(d.ballot)}>{ballotText(i18n, d.ballot)}</span>,{" "}
								{i18n.t("politician.partyPosition")}: <span className={ballotClass(d.party_position)}>{ballotText(i18n, d.party_position)}</span>
							</li>
						);
					})}
				</ul>
			)}
		</>
	);
}

export function PoliticianPage() {
	const { slug = "" } = useParams();
	const api = useApi();
	const i18n = useI18n();
	const politician = useResource((signal) => api.politician(slug, signal), [slug]);
	usePageTitle(politician.data?.name ?? slug);
	if (politician.state === "loading") return <Loading label={i18n.t("common.loading")} />;
	if (politician.state === "failed") {
		return (
			<>
				<h1>{slug}</h1>
				<ErrorNotice error={politician.error} lang={i18n.lang} retry={politician.reload} retryLabel={i18n.t("common.retry")} />
			</>
		);
	}
	const p = politician.data;
	const photo = showablePhoto(p.image_url);
	const m = p.membership;
	return (
		<>
			<div className="person">
				{photo ? <img className="photo" src={photo} alt={i18n.t("politician.photo", { name: p.name })} /> : null}
				<div>
					<h1>{p.name}</h1>
					<p>
						<strong>{partyName(i18n, m?.party)}</strong>
						{m?.riding ? (
							<>
								{" "}
								· {m.riding.name_en} ({m.province})
							</>
						) : null}
						{m?.start_date ? <span className="muted"> · {i18n.t("politician.since", { date: i18n.formatDate(m.start_date) })}</span> : null}
					</p>
					{p.current ? null : <p className="muted">{i18n.t("politician.former")}</p>}
					<FollowButton target={{ politician: p.slug }} label={p.name} />
				</div>
			</div>
			<section aria-labelledby="record">
				<h2 id="record">{i18n.t("politician.record")}</h2>
				<Record slug={p.slug} />
			</section>
			<ChartPanel title={i18n.t("politician.agreement")} load={(signal) => api.charts.agreement(p.slug, signal)} deps={[p.slug]} />
			<section aria-labelledby="ballots">
				<h2 id="ballots">{i18n.t("politician.recentBallots")}</h2>
				<div className="table-wrap">
					<table>
						<thead>
							<tr>
								<th scope="col">{i18n.t("common.date")}</th>
								<th scope="col">{i18n.t("politician.vote")}</th>
								<th scope="col">{i18n.t("politician.ballot")}</th>
							</tr>
						</thead>
						<tbody>
							{p.latest_ballots.map((b) => (
								<tr key={`${b.session}/${b.vote_number}`}>
									<td>{i18n.formatDate(b.date)}</td>
									<td>
										<Link to={votePath(b.session, b.vote_number)}>{i18n.pick(b.description_en, b.description_fr)}</Link>
									</td>
									<td className={ballotClass(b.ballot)}>{ballotText(i18n, b.ballot)}</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
			</section>
		</>
	);
}
