/**
 * The House of Commons' own records (ourcommons.ca), a primary source beside openparliament's copy:
 * the members list, the session's divisions (English and French lists) and each division's ballots,
 * all XML. One raw document per file fetched, kept as the text received with its sha256.
 *
 * Order: members, the French list, the English list, then the divisions' ballots from the oldest
 * division up. Oldest first makes a resumed run's count of documents already loaded (the checkpoint)
 * name the same divisions even after new ones were added to the list: the connector skips that
 * many without fetching them (`skipItems`), where the other connectors fetch and drop.
 */
import { hash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Fetcher, HttpError } from "../http/fetcher.ts";
import type { MemberDirectory } from "../records/member-match.ts";
import { type DivisionContext, createOurcommonsTransform } from "../records/ourcommons-transform.ts";
import { DivisionShape, divisionKey, parseHouseXml } from "../records/ourcommons-shapes.ts";
import type { RawDocument, RawResource } from "../records/raw-document.ts";
import { toIsoDate } from "../records/text.ts";
import type { Connector, ExtractOptions } from "./connector.ts";
import { fileUrl, listFiles } from "./local-files.ts";

export const OURCOMMONS_BASE_URL = "https://www.ourcommons.ca/";
const SOURCE = "ourcommons";
const XML = "application/xml";

const PATHS = {
	members: "/members/en/search/xml",
	votes: "/members/en/votes/xml",
	votesFr: "/members/fr/votes/xml",
	division: (parliament: number, session: number, number: number) => `/members/en/votes/${parliament}/${session}/${number}/xml`
};

export interface OurcommonsConfig {
	/** The politicians and memberships already loaded, which members are matched to (read by the runner). */
	directory?: MemberDirectory;
	/** Documents a resumed run already loaded (its checkpoint): skipped without being fetched. */
	skipItems?: number;
}

/** A division of the vote list, as its ballots' document needs it. */
interface ListedDivision extends DivisionContext {
	parliament: number;
	sessionNumber: number;
}

function xmlDocument(resource: RawResource, url: string, text: string, fetchedAt: Date, context?: Record<string, unknown>): RawDocument {
	// Kept as the text received, whose sha256 is the document's hash; the transform parses the same text.
	return { source: SOURCE, resource, url, fetchedAt: fetchedAt.toISOString(), contentHash: hash("sha256", text, "hex"), body: text, text, contentType: XML, ...(context ? { context } : {}) };
}

/** The divisions a vote list names, oldest first, and their subjects by division key. */
function readList(text: string): { divisions: ListedDivision[]; subjects: Record<string, string> } {
	const parsed = parseHouseXml(text);
	const divisions: ListedDivision[] = [];
	const subjects: Record<string, string> = {};
	if ("error" in parsed || parsed.root !== "ArrayOfVote") return { divisions, subjects };
	for (const item of parsed.items) {
		// An invalid item is reported by the list's own transform; here it is only not followed.
		const v = DivisionShape.safeParse(item);
		if (!v.success) continue;
		const d = v.data;
		const parliament = Number(d.ParliamentNumber);
		const sessionNumber = Number(d.SessionNumber);
		const number = Number(d.DecisionDivisionNumber);
		subjects[divisionKey(parliament, sessionNumber, number)] = d.DecisionDivisionSubject;
		divisions.push({
			parliament,
			sessionNumber,
			session: `${parliament}-${sessionNumber}`,
			number,
			date: toIsoDate(d.DecisionEventDateTime),
			yeas: Number(d.DecisionDivisionNumberOfYeas),
			nays: Number(d.DecisionDivisionNumberOfNays),
			paired: Number(d.DecisionDivisionNumberOfPaired)
		});
	}
	divisions.sort((a, b) => a.parliament - b.parliament || a.sessionNumber - b.sessionNumber || a.number - b.number);
	return { divisions, subjects };
}

function contextOf(d: ListedDivision): DivisionContext {
	return { session: d.session, number: d.number, date: d.date, yeas: d.yeas, nays: d.nays, paired: d.paired };
}

export function ourcommonsConnector(config: OurcommonsConfig = {}): Connector {
	return {
		source: SOURCE,
		transform: createOurcommonsTransform(config.directory ?? { politicians: [], memberships: [] }),
		extract(options: ExtractOptions = {}) {
			return options.file !== undefined ? fromFiles(options.file, options, config.skipItems ?? 0) : fromSite(options, config.skipItems ?? 0);
		}
	};
}

/** Yields the documents in their fixed order, skipping the first `skip` slots (the lists are read either way). */
async function* inOrder(
	skip: number,
	lists: { members?: RawDocument | undefined; fr?: RawDocument | undefined; en?: RawDocument | undefined },
	divisions: readonly ListedDivision[],
	ballotsOf: (d: ListedDivision) => Promise<RawDocument | undefined>
): AsyncGenerator<RawDocument> {
	let slot = 0;
	for (const doc of [lists.members, lists.fr, lists.en]) {
		if (slot++ >= skip && doc) yield doc;
	}
	for (const d of divisions) {
		if (slot++ < skip) continue;
		const doc = await ballotsOf(d);
		if (doc) yield doc;
	}
}

async function* fromSite(options: ExtractOptions, skip: number): AsyncGenerator<RawDocument> {
	const onIssue = options.onIssue ?? (() => undefined);
	const fetcher = new Fetcher({
		...options.http,
		headers: { accept: "application/xml, text/xml" },
		baseUrl: options.url ?? OURCOMMONS_BASE_URL,
		...(options.signal ? { signal: options.signal } : {}),
		...(options.onProgress ? { onProgress: options.onProgress } : {})
	});
	/** A document, or an issue when it could not be fetched; `required` ones end the run instead. */
	const get = async (resource: RawResource, target: string, required: boolean, context?: Record<string, unknown>): Promise<RawDocument | undefined> => {
		try {
			const fetched = await fetcher.getText(target);
			fetcher.report(fetched.url);
			return xmlDocument(resource, fetched.url, fetched.body, fetched.fetchedAt, context);
		} catch (error) {
			if (required || !(error instanceof HttpError)) throw error;
			onIssue({ source: SOURCE, recordKey: fetcher.resolve(target), reason: `${resource} not fetched: ${error.message}`, raw: null });
			return undefined;
		}
	};
	try {
		const members = await get("ourcommons-members", PATHS.members, false);
		const fr = await get("ourcommons-votes-fr", PATHS.votesFr, false);
		const en = (await get("ourcommons-votes", PATHS.votes, true, { subjectsFr: fr ? readList(fr.body as string).subjects : {} })) as RawDocument;
		const { divisions } = readList(en.body as string);
		yield* inOrder(skip, { members, fr, en }, divisions, (d) => get("ourcommons-ballots", PATHS.division(d.parliament, d.sessionNumber, d.number), false, { ...contextOf(d) }));
	} finally {
		await fetcher.close();
	}
}

/** A French list is told apart by its name (`votes-fr.xml`): both lists have the same elements. */
const FRENCH = /(^|[^a-z])fr([^a-z]|$)/i;
/** A division's ballots: `44-1-12.xml`, or any name when its ballots name the division themselves. */
const DIVISION_FILE = /(\d+)-(\d+)-(\d+)\D*$/;

async function* fromFiles(target: string, options: ExtractOptions, skip: number): AsyncGenerator<RawDocument> {
	const onIssue = options.onIssue ?? (() => undefined);
	const found: { members?: RawDocument; fr?: RawDocument; en?: RawDocument } = {};
	const ballotFiles = new Map<string, { doc: RawDocument; parliament: number; session: number; number: number }>();
	for (const file of await listFiles(target, ".xml")) {
		options.signal?.throwIfAborted();
		let text: string;
		try {
			text = await readFile(file, "utf8");
		} catch (error) {
			onIssue({ source: SOURCE, recordKey: fileUrl(file), reason: `unreadable file: ${String(error)}`, raw: null });
			continue;
		}
		const parsed = parseHouseXml(text);
		const name = path.basename(file);
		if ("error" in parsed) {
			onIssue({ source: SOURCE, recordKey: fileUrl(file), reason: `${name}: ${parsed.error}`, raw: null });
			continue;
		}
		const now = new Date();
		if (parsed.root === "ArrayOfMemberOfParliament") found.members = xmlDocument("ourcommons-members", fileUrl(file), text, now);
		else if (parsed.root === "ArrayOfVote") found[FRENCH.test(name) ? "fr" : "en"] = xmlDocument(FRENCH.test(name) ? "ourcommons-votes-fr" : "ourcommons-votes", fileUrl(file), text, now);
		else {
			const first = parsed.items[0] as Record<string, unknown> | undefined;
			const fromName = DIVISION_FILE.exec(name);
			const [parliament, session, number] = first?.DecisionDivisionNumber
				? [Number(first.ParliamentNumber), Number(first.SessionNumber), Number(first.DecisionDivisionNumber)]
				: fromName
					? [Number(fromName[1]), Number(fromName[2]), Number(fromName[3])]
					: [Number.NaN, Number.NaN, Number.NaN];
			if (!Number.isInteger(parliament) || !Number.isInteger(session) || !Number.isInteger(number)) {
				onIssue({ source: SOURCE, recordKey: fileUrl(file), reason: `${name}: a division's ballots, but which division is unknown (name the file like 44-1-12.xml)`, raw: null });
				continue;
			}
			ballotFiles.set(divisionKey(parliament, session, number), { doc: xmlDocument("ourcommons-ballots", fileUrl(file), text, now), parliament, session, number });
		}
	}
	const subjectsFr = found.fr ? readList(found.fr.body as string).subjects : {};
	if (found.en) found.en = { ...found.en, context: { subjectsFr } };
	const listed = found.en ? readList(found.en.body as string).divisions : [];
	const byKey = new Map(listed.map((d) => [`${d.session}/${d.number}`, d]));
	// Divisions with a ballots file: those the list gives (with its totals), then any it does not.
	const divisions: ListedDivision[] = [...ballotFiles.entries()]
		.map(([key, f]) => byKey.get(key) ?? { parliament: f.parliament, sessionNumber: f.session, session: `${f.parliament}-${f.session}`, number: f.number, date: null, yeas: -1, nays: -1, paired: -1 })
		.sort((a, b) => a.parliament - b.parliament || a.sessionNumber - b.sessionNumber || a.number - b.number);
	yield* inOrder(skip, found, divisions, (d) => {
		const file = ballotFiles.get(`${d.session}/${d.number}`);
		return Promise.resolve(file ? { ...file.doc, context: { ...contextOf(d) } } : undefined);
	});
}
