import { useId } from "react";
import { Link } from "react-router";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { partyName } from "../components/labels.ts";
import { usePageTitle } from "../components/page-title.ts";
import { PagedList } from "../components/paged-list.tsx";
import { ProvinceField } from "../components/province-field.tsx";
import { useListFilters } from "../components/use-list-filters.ts";
import { useI18n } from "../i18n.ts";
import { useApi } from "../platform.tsx";

const FILTERS = ["name", "party", "province", "include"] as const;
const PAGE = 50;

export function PoliticiansPage() {
	const api = useApi();
	const i18n = useI18n();
	const id = useId();
	// "current" is what the API lists without `include`, so the address leaves it out.
	const { query, offset, key, apply, setOffset } = useListFilters(FILTERS, { include: "current" });
	usePageTitle(i18n.t("politicians.title"));
	const parties = useResource((signal) => api.parties(signal), []);
	const politicians = useResource((signal) => api.politicians({ ...query, limit: PAGE, offset }, signal), [key]);

	return (
		<>
			<h1>{i18n.t("politicians.title")}</h1>
			<form className="filters" aria-label={i18n.t("politicians.filters")} onSubmit={apply} key={key}>
				<div className="field">
					<label htmlFor={`${id}-name`}>{i18n.t("politicians.name")}</label>
					<input id={`${id}-name`} name="name" type="search" defaultValue={query.name ?? ""} />
				</div>
				<div className="field">
					<label htmlFor={`${id}-party`}>{i18n.t("common.party")}</label>
					<select id={`${id}-party`} name="party" defaultValue={query.party ?? ""}>
						<option value="">{i18n.t("common.any")}</option>
						{parties.data?.objects.map((party) => (
							<option key={party.key} value={party.key}>
								{partyName(i18n, party)}
							</option>
						))}
					</select>
				</div>
				<ProvinceField id={`${id}-province`} value={query.province ?? ""} />
				<div className="field">
					<label htmlFor={`${id}-include`}>{i18n.t("politicians.include")}</label>
					<select id={`${id}-include`} name="include" defaultValue={query.include ?? "current"}>
						<option value="current">{i18n.t("politicians.current")}</option>
						<option value="former">{i18n.t("politicians.former")}</option>
						<option value="all">{i18n.t("politicians.all")}</option>
					</select>
				</div>
				<button type="submit">{i18n.t("common.apply")}</button>
			</form>
			<PagedList resource={politicians} onOffset={setOffset}>
				{(page) => (
					<>
						<p role="status">{i18n.t("politicians.count", { total: page.pagination.total })}</p>
						<ul className="cards">
							{page.objects.map((p) => (
								<li key={p.slug} className="card">
									<Link to={`/politicians/${p.slug}`}>
										<strong>{p.name}</strong>
									</Link>
									<br />
									<span>{partyName(i18n, p.membership?.party)}</span>
									<br />
									<span className="muted">
										{p.membership?.riding?.name_en ?? ""} {p.membership?.province ? `(${p.membership.province})` : ""}
									</span>
								</li>
							))}
						</ul>
					</>
				)}
			</PagedList>
		</>
	);
}
