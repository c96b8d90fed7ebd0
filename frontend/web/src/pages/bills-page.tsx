import { useId } from "react";
import { Link } from "react-router";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { billPath } from "../components/labels.ts";
import { usePageTitle } from "../components/page-title.ts";
import { PagedList } from "../components/paged-list.tsx";
import { useListFilters } from "../components/use-list-filters.ts";
import { useI18n } from "../i18n.ts";
import { useApi } from "../platform.tsx";

const FILTERS = ["q", "session", "chamber", "law", "private_member", "sort"] as const;
const PAGE = 20;

export function BillsPage() {
	const api = useApi();
	const i18n = useI18n();
	const id = useId();
	const { query, offset, key, apply, setOffset } = useListFilters(FILTERS);
	usePageTitle(i18n.t("bills.title"));
	const sessions = useResource((signal) => api.sessions(signal), []);
	const bills = useResource((signal) => api.bills({ ...query, sort: query.sort ?? "-introduced", limit: PAGE, offset }, signal), [key]);

	return (
		<>
			<h1>{i18n.t("bills.title")}</h1>
			<form className="filters" aria-label={i18n.t("bills.filters")} onSubmit={apply} key={key}>
				<div className="field">
					<label htmlFor={`${id}-q`}>{i18n.t("bills.words")}</label>
					<input id={`${id}-q`} name="q" type="search" defaultValue={query.q ?? ""} />
				</div>
				<div className="field">
					<label htmlFor={`${id}-session`}>{i18n.t("common.session")}</label>
					<select id={`${id}-session`} name="session" defaultValue={query.session ?? ""}>
						<option value="">{i18n.t("common.any")}</option>
						{sessions.data?.objects.map((s) => (
							<option key={s.id} value={s.id}>
								{s.id}
							</option>
						))}
					</select>
				</div>
				<div className="field">
					<label htmlFor={`${id}-chamber`}>{i18n.t("bills.chamber")}</label>
					<select id={`${id}-chamber`} name="chamber" defaultValue={query.chamber ?? ""}>
						<option value="">{i18n.t("common.any")}</option>
						<option value="House">{i18n.t("bills.house")}</option>
						<option value="Senate">{i18n.t("bills.senate")}</option>
					</select>
				</div>
				<div className="field">
					<label htmlFor={`${id}-sort`}>{i18n.t("bills.sort")}</label>
					<select id={`${id}-sort`} name="sort" defaultValue={query.sort ?? "-introduced"}>
						<option value="-introduced">{i18n.t("bills.sortIntroduced")}</option>
						<option value="-updated">{i18n.t("bills.sortUpdated")}</option>
						<option value="number">{i18n.t("bills.sortNumber")}</option>
					</select>
				</div>
				<div className="field check">
					<input id={`${id}-law`} name="law" type="checkbox" value="true" defaultChecked={query.law === "true"} />
					<label htmlFor={`${id}-law`}>{i18n.t("bills.law")}</label>
				</div>
				<div className="field check">
					<input id={`${id}-pm`} name="private_member" type="checkbox" value="true" defaultChecked={query.private_member === "true"} />
					<label htmlFor={`${id}-pm`}>{i18n.t("bills.privateMember")}</label>
				</div>
				<button type="submit">{i18n.t("common.apply")}</button>
			</form>
			<PagedList resource={bills} onOffset={setOffset}>
				{(page) => (
					<>
						<p role="status" data-testid="bills-count">
							{i18n.t("bills.count", { total: page.pagination.total })}
						</p>
						<div className="table-wrap">
							<table>
								<thead>
									<tr>
										<th scope="col">{i18n.t("bills.number")}</th>
										<th scope="col">{i18n.t("bills.titleColumn")}</th>
										<th scope="col">{i18n.t("bills.status")}</th>
										<th scope="col">{i18n.t("common.session")}</th>
									</tr>
								</thead>
								<tbody>
									{page.objects.map((bill) => (
										<tr key={`${bill.session}/${bill.number}`}>
											<td>
												<Link to={billPath(bill.session, bill.number)}>{bill.number}</Link>
											</td>
											<td>{i18n.pick(bill.short_title_en ?? bill.title_en, bill.short_title_fr ?? bill.title_fr)}</td>
											<td>{i18n.pick(bill.status_text_en, bill.status_text_fr)}</td>
											<td>{bill.session}</td>
										</tr>
									))}
								</tbody>
							</table>
						</div>
					</>
				)}
			</PagedList>
		</>
	);
}
