import { useId } from "react";
import { Link } from "react-router";
import { ErrorNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { partyName } from "../components/labels.ts";
import { usePageTitle } from "../components/page-title.ts";
import { PagedList } from "../components/paged-list.tsx";
import { ProvinceField } from "../components/province-field.tsx";
import { useListFilters } from "../components/use-list-filters.ts";
import { useI18n } from "../i18n.ts";
import { useApi } from "../platform.tsx";

function Member({ ocdId }: { ocdId: string }) {
	const api = useApi();
	const i18n = useI18n();
	const riding = useResource((signal) => api.riding(ocdId, signal), [ocdId]);
	if (riding.state === "loading") return <Loading label={i18n.t("common.loading")} />;
	if (riding.state === "failed") return <ErrorNotice error={riding.error} lang={i18n.lang} />;
	const member = riding.data.current_member;
	if (!member) return <p className="muted">{i18n.t("ridings.noMember")}</p>;
	return (
		<p data-testid="riding-member">
			{i18n.t("ridings.member")}: <Link to={`/politicians/${member.slug}`}>{member.name}</Link> ({partyName(i18n, member.party)})
		</p>
	);
}

const FILTERS = ["name", "province", "current"] as const;

export function RidingsPage() {
	const api = useApi();
	const i18n = useI18n();
	const id = useId();
	const { params, setParams, query, offset, key: listKey, apply, setOffset } = useListFilters(FILTERS);
	usePageTitle(i18n.t("ridings.title"));
	const name = query.name ?? "";
	const province = query.province ?? "";
	const current = query.current ?? "";
	const selected = params.get("riding") ?? "";
	const ridings = useResource((signal) => api.ridings({ name, province, current, limit: 20, offset }, signal), [listKey]);

	function select(ocdId: string): void {
		const copy = new URLSearchParams(params);
		copy.set("riding", ocdId);
		setParams(copy);
	}

	return (
		<>
			<h1>{i18n.t("ridings.title")}</h1>
			<form className="filters" aria-label={i18n.t("ridings.find")} onSubmit={apply} key={listKey}>
				<div className="field">
					<label htmlFor={`${id}-name`}>{i18n.t("ridings.name")}</label>
					<input id={`${id}-name`} name="name" type="search" defaultValue={name} />
				</div>
				<ProvinceField id={`${id}-province`} value={province} />
				<div className="field check">
					<input id={`${id}-current`} name="current" type="checkbox" value="true" defaultChecked={current === "true"} />
					<label htmlFor={`${id}-current`}>{i18n.t("ridings.currentOnly")}</label>
				</div>
				<button type="submit">{i18n.t("common.apply")}</button>
			</form>
			<PagedList resource={ridings} onOffset={setOffset}>
				{(page) => (
					<ul className="cards">
						{page.objects.map((r) => (
							<li key={r.ocd_id} className="card">
								<strong>{i18n.pick(r.name_en, r.name_fr)}</strong> <span className="muted">({r.province})</span>
								<br />
								<span className="muted">
									{i18n.t("ridings.valid", { from: i18n.formatDate(r.valid_from), to: r.valid_through ? i18n.formatDate(r.valid_through) : i18n.t("ridings.today") })}
								</span>
								<br />
								{selected === r.ocd_id ? (
									<Member ocdId={r.ocd_id} />
								) : (
									<button type="button" className="secondary" onClick={() => select(r.ocd_id)}>
										{i18n.t("ridings.showMember")}
									</button>
								)}
							</li>
						))}
					</ul>
				)}
			</PagedList>
		</>
	);
}
