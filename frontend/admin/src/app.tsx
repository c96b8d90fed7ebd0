/**
 * The admin dashboard: signed-out visitors see only the sign-in; a session is kept only for an
 * operator or admin (the sign-in tries it against an operator route). Served under /admin/.
 */
import { BrowserRouter, Link, Route, Routes, useNavigate } from "react-router";
import type { Lang } from "@openpolicy/frontend-shared/i18n.tsx";
import { SiteShell } from "@openpolicy/frontend-shared/ui/site-shell.tsx";
import { useCallback } from "react";
import { I18nProvider, useI18n } from "./i18n.ts";
import { AlertsPage } from "./pages/alerts-page.tsx";
import { ClusterPage } from "./pages/cluster-page.tsx";
import { ConfigPage } from "./pages/config-page.tsx";
import { DeploymentsPage } from "./pages/deployments-page.tsx";
import { EtlPage } from "./pages/etl-page.tsx";
import { NotificationsPage } from "./pages/notifications-page.tsx";
import { SignInPage } from "./pages/sign-in-page.tsx";
import { UsersPage } from "./pages/users-page.tsx";
import { type Platform, PlatformProvider, STAFF_ROLES, useIsAdmin, usePlatform, useSessionState } from "./platform.tsx";

function NotFound() {
	const i18n = useI18n();
	return (
		<>
			<h1>{i18n.t("notFound.title")}</h1>
			<p>
				<Link to="/">{i18n.t("nav.cluster")}</Link>
			</p>
		</>
	);
}

function Shell() {
	const i18n = useI18n();
	const navigate = useNavigate();
	const { session, api } = usePlatform();
	const state = useSessionState();
	const isAdmin = useIsAdmin();
	const staff = state !== undefined && STAFF_ROLES.includes(state.user.role);
	const links = [
		["/", i18n.t("nav.cluster")],
		["/alerts", i18n.t("nav.alerts")],
		["/etl", i18n.t("nav.etl")],
		["/config", i18n.t("nav.config")],
		["/deployments", i18n.t("nav.deployments")],
		["/notifications", i18n.t("nav.notifications")],
		...(isAdmin ? [["/users", i18n.t("nav.users")] as const] : [])
	] as const;
	function signOut(): void {
		const refreshToken = session.current()?.refreshToken;
		session.signOut();
		if (refreshToken) void api.auth.logout(refreshToken).catch(() => undefined);
		void navigate("/");
	}
	return (
		<SiteShell
			text={{ skip: i18n.t("shell.skip"), nav: i18n.t("shell.nav"), switchLanguage: i18n.t("shell.switchLanguage"), siteName: i18n.t("site.name"), footer: i18n.t("shell.footer") }}
			lang={i18n.lang}
			setLang={i18n.setLang}
			links={staff ? links : undefined}
			tools={
				staff ? (
					<button type="button" onClick={signOut}>
						{i18n.t("nav.signOut")}
					</button>
				) : null
			}
		>
			{staff ? (
				<Routes>
					<Route path="/" element={<ClusterPage />} />
					<Route path="/alerts" element={<AlertsPage />} />
					<Route path="/etl" element={<EtlPage />} />
					<Route path="/config" element={<ConfigPage />} />
					<Route path="/deployments" element={<DeploymentsPage />} />
					<Route path="/notifications" element={<NotificationsPage />} />
					<Route path="/users" element={<UsersPage />} />
					<Route path="*" element={<NotFound />} />
				</Routes>
			) : (
				<SignInPage onSignedIn={() => undefined} />
			)}
		</SiteShell>
	);
}

export function App({ platform }: { platform: Platform }) {
	const onLanguage = useCallback((lang: Lang) => platform.setLanguage(lang), [platform]);
	return (
		<PlatformProvider platform={platform}>
			<I18nProvider onChange={onLanguage}>
				<BrowserRouter basename="/admin">
					<Shell />
				</BrowserRouter>
			</I18nProvider>
		</PlatformProvider>
	);
}
