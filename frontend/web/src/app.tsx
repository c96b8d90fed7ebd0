import { useCallback } from "react";
import { BrowserRouter, Link, Route, Routes } from "react-router";
import type { Lang } from "@openpolicy/frontend-shared/i18n.tsx";
import { SiteShell } from "@openpolicy/frontend-shared/ui/site-shell.tsx";
import { usePageTitle } from "./components/page-title.ts";
import { I18nProvider, useI18n } from "./i18n.ts";
import { InboxProvider, useInbox } from "./components/inbox-context.tsx";
import { AccountPage } from "./pages/account-page.tsx";
import { ApiPage } from "./pages/api-page.tsx";
import { BillPage } from "./pages/bill-page.tsx";
import { BillsPage } from "./pages/bills-page.tsx";
import { HomePage } from "./pages/home-page.tsx";
import { NotificationPreferencesPage } from "./pages/notification-preferences-page.tsx";
import { PoliticianPage } from "./pages/politician-page.tsx";
import { PoliticiansPage } from "./pages/politicians-page.tsx";
import { RidingsPage } from "./pages/ridings-page.tsx";
import { SearchPage } from "./pages/search-page.tsx";
import { VotePage } from "./pages/vote-page.tsx";
import { type Platform, PlatformProvider, useSessionState } from "./platform.tsx";

function NotFound() {
	const i18n = useI18n();
	usePageTitle(i18n.t("notFound.title"));
	return (
		<>
			<h1>{i18n.t("notFound.title")}</h1>
			<p>
				{i18n.t("notFound.text")} <Link to="/">{i18n.t("nav.home")}</Link>
			</p>
		</>
	);
}

/** The unread count beside the account link, kept live by the inbox stream. */
function UnreadBadge() {
	const i18n = useI18n();
	const { unread } = useInbox();
	if (unread === 0) return null;
	return (
		<span className="badge" data-testid="unread-badge">
			<span aria-hidden="true">{unread}</span>
			<span className="visually-hidden">{i18n.t("inbox.unreadBadge", { count: unread })}</span>
		</span>
	);
}

function Shell() {
	const i18n = useI18n();
	const session = useSessionState();
	const links = [
		["/", i18n.t("nav.home")],
		["/bills", i18n.t("nav.bills")],
		["/politicians", i18n.t("nav.politicians")],
		["/ridings", i18n.t("nav.ridings")],
		["/search", i18n.t("nav.search")],
		[
			"/account",
			<>
				{session ? i18n.t("nav.account") : i18n.t("nav.signIn")}
				<UnreadBadge />
			</>
		]
	] as const;
	return (
		<SiteShell
			text={{ skip: i18n.t("shell.skip"), nav: i18n.t("shell.nav"), switchLanguage: i18n.t("shell.switchLanguage"), siteName: i18n.t("site.name"), footer: i18n.t("shell.footer") }}
			lang={i18n.lang} setLang={i18n.setLang} links={links}>
			<Routes>
				<Route path="/" element={<HomePage />} />
				<Route path="/bills" element={<BillsPage />} />
				<Route path="/bills/:session/:number" element={<BillPage />} />
				<Route path="/politicians" element={<PoliticiansPage />} />
				<Route path="/politicians/:slug" element={<PoliticianPage />} />
				<Route path="/votes/:session/:number" element={<VotePage />} />
				<Route path="/ridings" element={<RidingsPage />} />
				<Route path="/search" element={<SearchPage />} />
				<Route path="/account" element={<AccountPage />} />
				<Route path="/account/api" element={<ApiPage />} />
				<Route path="/account/notifications" element={<NotificationPreferencesPage />} />
				<Route path="*" element={<NotFound />} />
			</Routes>
		</SiteShell>
	);
}

export function App({ platform }: { platform: Platform }) {
	const onLanguage = useCallback((lang: Lang) => platform.setLanguage(lang), [platform]);
	return (
		<PlatformProvider platform={platform}>
			<I18nProvider onChange={onLanguage}>
				<InboxProvider>
					<BrowserRouter>
						<Shell />
					</BrowserRouter>
				</InboxProvider>
			</I18nProvider>
		</PlatformProvider>
	);
}
