/** Users and roles, for admins (an operator is told who manages them, and nothing is offered). */
import type { AdminUser } from "@openpolicy/frontend-shared/admin-types.ts";
import { ErrorNotice, InfoNotice } from "@openpolicy/frontend-shared/ui/notices.tsx";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { PageState, usePageTitle } from "../components/page-state.tsx";
import { useAction } from "../components/use-action.ts";
import { useI18n } from "../i18n.ts";
import { useIsAdmin, usePlatform, useSessionState } from "../platform.tsx";

const ROLES: AdminUser["role"][] = ["citizen", "editor", "operator", "admin"];

function UserTable() {
	const { admin } = usePlatform();
	const i18n = useI18n();
	const me = useSessionState()?.user.id;
	const users = useResource((signal) => admin.users.list(signal), [admin]);
	const action = useAction();
	return (
		<>
			{action.error ? <ErrorNotice error={action.error} lang={i18n.lang} /> : null}
			<PageState resource={users}>
				{(data) => (
					<table className="data-table">
						<thead>
							<tr>
								<th scope="col">{i18n.t("users.email")}</th>
								<th scope="col">{i18n.t("users.name")}</th>
								<th scope="col">{i18n.t("users.role")}</th>
								<th scope="col">{i18n.t("users.mfa")}</th>
								<th scope="col">{i18n.t("users.disabled")}</th>
							</tr>
						</thead>
						<tbody>
							{data.users.map((user) => (
								<tr key={user.id}>
									<td>{user.email}</td>
									<td>{user.displayName}</td>
									<td>
										<select
											aria-label={`${i18n.t("users.role")}: ${user.email}`}
											value={user.role}
											disabled={action.busy || user.id === me}
											onChange={(event) => void action.run(() => admin.users.setRole(user.id, event.target.value as AdminUser["role"])).then((ok) => ok && users.reload())}
										>
											{ROLES.map((role) => (
												<option key={role} value={role}>
													{role}
												</option>
											))}
										</select>
									</td>
									<td>{user.mfaEnabled ? "✓" : "—"}</td>
									<td>
										{user.disabled ? (
											"✓"
										) : user.id === me ? null : (
											<button type="button" disabled={action.busy} onClick={() => void action.run(() => admin.users.disable(user.id)).then((ok) => ok && users.reload())}>
												{i18n.t("users.disable")}
											</button>
										)}
									</td>
								</tr>
							))}
						</tbody>
					</table>
				)}
			</PageState>
		</>
	);
}

export function UsersPage() {
	const i18n = useI18n();
	const isAdmin = useIsAdmin();
	usePageTitle(i18n.t("users.title"));
	return (
		<>
			<h1>{i18n.t("users.title")}</h1>
			{isAdmin ? <UserTable /> : <InfoNotice>{i18n.t("users.adminOnly")}</InfoNotice>}
		</>
	);
}
