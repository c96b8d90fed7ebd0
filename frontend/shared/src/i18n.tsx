/**
 * English and French for both apps: typed message catalogues (a key missing in one language is a
 * type error), the choice remembered in localStorage, `<html lang>` kept true for screen readers.
 */
import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";

export const LANGUAGES = ["en", "fr"] as const;
export type Lang = (typeof LANGUAGES)[number];

export const LANG_STORAGE_KEY = "openpolicy.lang";

export function isLang(value: unknown): value is Lang {
	return value === "en" || value === "fr";
}

export function initialLang(storage: Storage | undefined = globalThis.localStorage): Lang {
	const stored = storage?.getItem(LANG_STORAGE_KEY);
	if (isLang(stored)) return stored;
	return globalThis.navigator?.language?.toLowerCase().startsWith("fr") ? "fr" : "en";
}

export type Catalogue<K extends string> = Record<K, string>;
export type Vars = Record<string, string | number>;

export interface I18n<K extends string> {
	lang: Lang;
	setLang(lang: Lang): void;
	/** The message for `key` with `{name}` placeholders filled in. */
	t(key: K, vars?: Vars): string;
	/** The field of a bilingual record in the current language, the other one when it is empty. */
	pick(en: string | null | undefined, fr: string | null | undefined): string;
	formatDate(iso: string | null | undefined): string;
	formatNumber(n: number | null | undefined, digits?: number): string;
}

function fill(template: string, vars: Vars | undefined): string {
	if (!vars) return template;
	return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

export function createI18n<K extends string>(catalogues: Record<Lang, Catalogue<K>>) {
	const Context = createContext<I18n<K> | undefined>(undefined);

	function I18nProvider({ children, onChange }: { children: ReactNode; onChange?: (lang: Lang) => void }) {
		const [lang, setLangState] = useState<Lang>(() => initialLang());
		const setLang = useCallback((next: Lang) => {
			globalThis.localStorage?.setItem(LANG_STORAGE_KEY, next);
			setLangState(next);
		}, []);
		useEffect(() => {
			document.documentElement.lang = lang;
			onChange?.(lang);
		}, [lang, onChange]);
		const value = useMemo<I18n<K>>(() => {
			const locale = lang === "fr" ? "fr-CA" : "en-CA";
			const dates = new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
			return {
				lang,
				setLang,
				t: (key, vars) => fill(catalogues[lang][key], vars),
				pick: (en, fr) => (lang === "fr" ? fr || en : en || fr) ?? "",
				formatDate: (iso) => {
					if (!iso) return "";
					const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
					return Number.isNaN(date.getTime()) ? iso : dates.format(date);
				},
				formatNumber: (n, digits = 0) => (n === null || n === undefined ? "—" : new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n))
			};
		}, [lang, setLang]);
		return <Context.Provider value={value}>{children}</Context.Provider>;
	}

	function useI18n(): I18n<K> {
		const value = useContext(Context);
		if (!value) throw new Error("useI18n outside its I18nProvider");
		return value;
	}

	return { I18nProvider, useI18n };
}

/** "2 hours ago" / "il y a 2 heures", from an age in seconds. */
export function formatAge(seconds: number, lang: Lang): string {
	const rtf = new Intl.RelativeTimeFormat(lang === "fr" ? "fr-CA" : "en-CA", { numeric: "auto" });
	const units: [Intl.RelativeTimeFormatUnit, number][] = [
		["day", 86_400],
		["hour", 3_600],
		["minute", 60]
	];
	for (const [unit, size] of units) if (seconds >= size) return rtf.format(-Math.floor(seconds / size), unit);
	return rtf.format(-Math.max(0, Math.floor(seconds)), "second");
}
