import { useId } from "react";
import { Link, useSearchParams } from "react-router";
import { InfoNotice } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { Snippet } from "@openpolicy/frontend-shared/ui/snippet.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { appPath } from "../components/labels.ts";
import { usePageTitle } from "../components/page-title.ts";
import { PagedList } from "../components/paged-list.tsx";
import { SearchBox } from "../components/search-box.tsx";
import { useI18n } from "../i18n.ts";
import { useApi } from "../platform.tsx";

export function SearchPage() {
	const api = useApi();
	const i18n = useI18n();
	const id = useId();
	const [params, setParams] = useSearchParams();
	const q = (params.get("q") ?? "").trim();
	const kind = params.get("kind") ?? "";
	const offset = Number(params.get("offset") ?? 0) || 0;
	usePageTitle(q ? i18n.t("search.resultsFor", { q }) : i18n.t("search.title"));
	const results = useResource((signal) => (q ? api.search({ q, kind, limit: 20, offset }, signal) : Promise.resolve(undefined)), [q, kind, offset]);
	return (
		<>
			<h1>{q ? i18n.t("search.resultsFor", { q }) : i18n.t("search.title")}</h1>
			<SearchBox initial={q} />
			<div className="filters">
				<div className="field">
					<label htmlFor={`${id}-kind`}>{i18n.t("search.kind")}</label>
					<select
						id={`${id}-kind`}
						value={kind}
						onChange={(event) => {
							const copy = new URLSearchParams(params);
							if (event.target.value) copy.set("kind", event.target.value);
							else copy.delete("kind");
							copy.delete("offset");
							setParams(copy);
						}}
					>
						<option value="">{i18n.t("search.kindAll")}</option>
						<option value="bill">{i18n.t("search.kindBills")}</option>
						<option value="politician">{i18n.t("search.kindPoliticians")}</option>
					</select>
				</div>
			</div>
			{!q ? <InfoNotice>{i18n.t("search.enterWords")}</InfoNotice> : null}
			<PagedList
				resource={results}
				empty={<p role="status">{i18n.t("search.noResults", { q })}</p>}
				onOffset={(next) => {
					const copy = new URLSearchParams(params);
					copy.set("offset", String(next));
					setParams(copy);
				}}
			>
				{(page) => (
					<ol data-testid="search-results">
						{page.objects.map((hit) => (
							<li key={`${hit.kind}:${hit.id}`}>
								<span className="muted">{i18n.t(hit.kind === "bill" ? "search.bill" : "search.politician")}: </span>
								<Link to={appPath(hit.url)}>{hit.title}</Link>
								<br />
								<Snippet html={hit.snippet} />
							</li>
						))}
					</ol>
				)}
			</PagedList>
		</>
	);
}
