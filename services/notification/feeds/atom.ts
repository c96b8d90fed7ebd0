/** Atom 1.0 (RFC 4287) documents for the public feeds: a few fields, escaped, nothing else. */
import { escapeHtml } from "../messages.ts";

export interface AtomEntry {
	id: string;
	title: string;
	summary: string;
	link: string | null;
	updated: Date;
}

export interface AtomFeed {
	/** A stable IRI for the feed (its URL). */
	id: string;
	title: string;
	selfUrl: string;
	alternateUrl: string;
	entries: readonly AtomEntry[];
}

const xml = escapeHtml;

export function renderAtom(feed: AtomFeed): string {
	const updated = feed.entries.reduce((latest, e) => (e.updated > latest ? e.updated : latest), new Date(0));
	const entries = feed.entries.map(
		(e) =>
			`<entry><id>${xml(e.id)}</id><title>${xml(e.title)}</title><updated>${e.updated.toISOString()}</updated>${e.link ? `<link rel="alternate" href="${xml(e.link)}"/>` : ""}<summary>${xml(e.summary)}</summary></entry>`
	);
	return [
		'<?xml version="1.0" encoding="utf-8"?>',
		'<feed xmlns="http://www.w3.org/2005/Atom">',
		`<id>${xml(feed.id)}</id><title>${xml(feed.title)}</title><updated>${(feed.entries.length > 0 ? updated : new Date(0)).toISOString()}</updated>`,
		`<link rel="self" type="application/atom+xml" href="${xml(feed.selfUrl)}"/><link rel="alternate" href="${xml(feed.alternateUrl)}"/>`,
		"<author><name>OpenPolicy</name></author>",
		...entries,
		"</feed>",
		""
	].join("\n");
}
