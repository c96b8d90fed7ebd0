/**
 * Both apps' frame around their routes: AppShell with the site name linking home, one link per
 * section (the home link active only on "/"), the language switch first among the tools, and
 * focus moved to the page on every client-side navigation.
 */
import type { ReactNode } from "react";
import { Link, NavLink, useLocation } from "react-router";
import type { Lang } from "../i18n.tsx";
import { AppShell, LanguageSwitch } from "./app-shell.tsx";

export interface SiteText {
	skip: string;
	nav: string;
	switchLanguage: string;
	siteName: string;
	footer: string;
}

/** `links` undefined leaves the navigation empty (the admin's sign-in shows none). */
export function SiteShell({ text, lang, setLang, links, tools, children }: { text: SiteText; lang: Lang; setLang: (lang: Lang) => void; links: readonly (readonly [string, ReactNode])[] | undefined; tools?: ReactNode; children: ReactNode }) {
	const location = useLocation();
	return (
		<AppShell
			pageKey={location.pathname}
			text={{ skip: text.skip, navLabel: text.nav, languageLabel: text.switchLanguage }}
			brand={<Link to="/">{text.siteName}</Link>}
			nav={
				links ? (
					<ul>
						{links.map(([to, label]) => (
							<li key={to}>
								<NavLink to={to} end={to === "/"}>
									{label}
								</NavLink>
							</li>
						))}
					</ul>
				) : null
			}
			tools={
				<>
					<LanguageSwitch lang={lang} setLang={setLang} label={text.switchLanguage} />
					{tools}
				</>
			}
			footer={<p>{text.footer}</p>}
		>
			{children}
		</AppShell>
	);
}
