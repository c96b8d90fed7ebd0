/**
 * The frame of every page of both apps: a skip link, a header with the site's navigation and
 * language switch, one `<main>` that takes focus when the page changes, and a footer.
 */
import { type ReactNode, useEffect, useRef } from "react";
import type { Lang } from "../i18n.tsx";

export interface ShellText {
	skip: string;
	navLabel: string;
	languageLabel: string;
}

export function LanguageSwitch({ lang, setLang, label }: { lang: Lang; setLang: (lang: Lang) => void; label: string }) {
	const other: Lang = lang === "en" ? "fr" : "en";
	return (
		<button type="button" className="lang-switch" lang={other} aria-label={label} onClick={() => setLang(other)}>
			{other === "fr" ? "Français" : "English"}
		</button>
	);
}

export function AppShell({ brand, nav, tools, footer, text, pageKey, children }: { brand: ReactNode; nav: ReactNode; tools: ReactNode; footer: ReactNode; text: ShellText; pageKey: string; children: ReactNode }) {
	const main = useRef<HTMLElement>(null);
	const first = useRef(true);
	useEffect(() => {
		// After client-side navigation, focus moves to the new page as it would on a page load.
		if (first.current) {
			first.current = false;
			return;
		}
		main.current?.focus();
	}, [pageKey]);
	return (
		<>
			<a className="skip-link" href="#main">
				{text.skip}
			</a>
			<header className="site-header">
				<div className="brand">{brand}</div>
				<nav aria-label={text.navLabel}>{nav}</nav>
				<div className="tools">{tools}</div>
			</header>
			<main id="main" ref={main} tabIndex={-1}>
				{children}
			</main>
			<footer className="site-footer">{footer}</footer>
		</>
	);
}
