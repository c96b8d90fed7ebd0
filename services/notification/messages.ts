/**
 * What a person reads: the email (plain text and HTML, in the recipient's language) and the short
 * form of the inbox and push. The notice's own title and body are written in both languages when
 * the decision is made (triggers/); this adds the frame around them.
 */
import type { Language } from "./notification.contract.ts";
import type { EmailMessage } from "./channels/email-channel.ts";
import type { NoticeEvent } from "./outbox/outbox-store.ts";

const FRAME = {
	en: {
		open: "Open",
		why: "You receive this because you follow it on OpenPolicy, or it concerns your account.",
		unsubscribe: "Stop these emails",
		preferences: "Choose what you receive",
		digest: (n: number) => `Your OpenPolicy digest: ${n} update${n === 1 ? "" : "s"}`
	},
	fr: {
		open: "Ouvrir",
		why: "Vous recevez ce message parce que vous suivez ce sujet sur OpenPolicy, ou parce qu’il concerne votre compte.",
		unsubscribe: "Ne plus recevoir ces courriels",
		preferences: "Choisir ce que vous recevez",
		digest: (n: number) => `Votre résumé OpenPolicy : ${n} mise${n === 1 ? "" : "s"} à jour`
	}
} as const;

export function escapeHtml(text: string): string {
	return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

export interface Links {
	unsubscribeUrl: string;
	preferencesUrl: string;
}

interface Part {
	title: string;
	body: string;
	link: string | null;
}

function textOf(parts: readonly Part[], language: Language, links: Links): string {
	const f = FRAME[language];
	const items = parts.map((p) => [p.title, "", p.body, ...(p.link ? ["", `${f.open}: ${p.link}`] : [])].join("\n"));
	return [...items.join("\n\n---\n\n").split("\n"), "", "--", f.why, `${f.preferences}: ${links.preferencesUrl}`, `${f.unsubscribe}: ${links.unsubscribeUrl}`, ""].join("\n");
}

function htmlOf(parts: readonly Part[], language: Language, links: Links): string {
	const f = FRAME[language];
	const items = parts
		.map((p) => `<h2>${escapeHtml(p.title)}</h2><p>${escapeHtml(p.body)}</p>${p.link ? `<p><a href="${escapeHtml(p.link)}">${escapeHtml(f.open)}</a></p>` : ""}`)
		.join("<hr>");
	return `<!doctype html><html lang="${language}"><head><meta charset="utf-8"></head><body>${items}<hr><p><small>${escapeHtml(f.why)}<br><a href="${escapeHtml(links.preferencesUrl)}">${escapeHtml(f.preferences)}</a> · <a href="${escapeHtml(links.unsubscribeUrl)}">${escapeHtml(f.unsubscribe)}</a></small></p></body></html>`;
}

function partOf(notice: Pick<NoticeEvent, "title" | "body" | "link">, language: Language): Part {
	return { title: notice.title[language], body: notice.body[language], link: notice.link };
}

export function renderEmail(notice: NoticeEvent, language: Language, links: Links): EmailMessage {
	const part = partOf(notice, language);
	return { subject: part.title, text: textOf([part], language, links), html: htmlOf([part], language, links), unsubscribeUrl: links.unsubscribeUrl, language };
}

/** One email gathering a day's items (each as rendered for the inbox: title, body, link). */
export function renderDigest(items: readonly Part[], language: Language, links: Links): EmailMessage {
	return { subject: FRAME[language].digest(items.length), text: textOf(items, language, links), html: htmlOf(items, language, links), unsubscribeUrl: links.unsubscribeUrl, language };
}

export function shortMessage(notice: NoticeEvent, language: Language): Part & { kind: string } {
	return { kind: notice.kind, ...partOf(notice, language) };
}
