/**
 * openparliament.ca's API: politicians, bills, votes and ballots. List pages are followed through
 * next_url; a list item lacking the fields only its detail page has (a bill's status_code, a vote's
 * party_votes, a politician's memberships) gets that page fetched and merged over it, so the stored
 * raw document is the complete record: one raw document per politician, bill and vote.
 *
 * Ballots have no detail page: the unit fetched is a list page of them, so the raw document is
 * the page (`{objects, pagination}`; from a local file, `{objects}` with the file's ballots). One
 * document per ballot made the document store the benchmark's bottleneck (1M jsonb rows with a
 * unique index for 1M ballots) while adding nothing a page does not keep.
 */
import { readFile } from "node:fs/promises";
import { Fetcher, HttpError } from "../http/fetcher.ts";
import { DETAIL_ONLY_FIELDS } from "../records/openparliament-shapes.ts";
import { transformOpenparliament } from "../records/openparliament-transform.ts";
import { makeRawDocument, type RawDocument, type RawResource } from "../records/raw-document.ts";
import type { DataQualityIssue } from "../records/data-quality.ts";
import type { Connector, ExtractOptions } from "./connector.ts";
import { fileUrl, listFiles } from "./local-files.ts";

export type OpenparliamentResource = "politicians" | "bills" | "votes" | "ballots";

export interface OpenparliamentConfig {
	/** Which lists to walk, in this order (people first, so ballots can refer to them). */
	resources?: OpenparliamentResource[];
	/** Start path per resource; add filters here, e.g. `/bills/?session=44-1&limit=100`. */
	paths?: Partial<Record<OpenparliamentResource, string>>;
	/** Fetch detail pages for list items that lack detail fields (default true). */
	details?: boolean;
}

export const OPENPARLIAMENT_BASE_URL = "https://api.openparliament.ca/";

const DEFAULT_PATHS: Record<OpenparliamentResource, string> = {
	politicians: "/politicians/?limit=100",
	bills: "/bills/?limit=100",
	votes: "/votes/?limit=100",
	ballots: "/votes/ballots/?limit=500"
};

const SOURCE = "openparliament";

function isObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** What an item is, read from its own fields: exports mix resources, and files carry no type. */
export function classifyOpenparliamentItem(item: unknown): OpenparliamentResource | undefined {
	if (!isObject(item)) return undefined;
	if (typeof item.vote_url === "string" && typeof item.ballot === "string") return "ballots";
	if (typeof item.url !== "string") return undefined;
	const root = new URL(item.url, "http://relative.invalid/").pathname.split("/")[1];
	return root === "politicians" || root === "bills" || root === "votes" ? root : undefined;
}

export function openparliamentConnector(config: OpenparliamentConfig = {}): Connector {
	const resources = config.resources ?? ["politicians", "bills", "votes", "ballots"];
	return {
		source: SOURCE,
		transform: transformOpenparliament,
		extract(options: ExtractOptions = {}) {
			return options.file !== undefined ? fromFiles(options.file, options) : fromApi(resources, config, options);
		}
	};
}

async function* fromApi(resources: OpenparliamentResource[], config: OpenparliamentConfig, options: ExtractOptions): AsyncGenerator<RawDocument> {
	const onIssue = options.onIssue ?? (() => undefined);
	const fetcher = new Fetcher({
		...options.http,
		baseUrl: options.url ?? OPENPARLIAMENT_BASE_URL,
		...(options.signal ? { signal: options.signal } : {}),
		...(options.onProgress ? { onProgress: options.onProgress } : {})
	});
	try {
		for (const resource of resources) {
			const start = config.paths?.[resource] ?? DEFAULT_PATHS[resource];
			for await (const page of fetcher.pages(start, SOURCE, onIssue)) {
				if (resource === "ballots") {
					yield { ...makeRawDocument(SOURCE, "ballots", page.url, page.body, page.fetchedAt, page.text), items: page.body.objects.length };
					continue;
				}
				for (const [index, item] of page.body.objects.entries()) {
					const body = config.details === false ? item : await withDetail(fetcher, resource, item, onIssue);
					const url = isObject(body) && typeof body.url === "string" ? fetcher.resolve(body.url) : `${page.url}#${index}`;
					yield makeRawDocument(SOURCE, resource, url, body, page.fetchedAt);
				}
			}
		}
	} finally {
		await fetcher.close();
	}
}

async function withDetail(fetcher: Fetcher, resource: OpenparliamentResource, item: unknown, onIssue: (issue: DataQualityIssue) => void): Promise<unknown> {
	if (resource === "ballots" || !isObject(item) || typeof item.url !== "string") return item;
	if (DETAIL_ONLY_FIELDS[resource] in item) return item;
	try {
		// An item's url is followed only on the run's origin: a page cannot send the run elsewhere.
		const detail = await fetcher.getJson(fetcher.resolveOnOrigin(item.url));
		fetcher.report(detail.url);
		if (!isObject(detail.body)) {
			onIssue({ source: SOURCE, recordKey: item.url, reason: `detail page ${detail.url} is not an object; list item kept`, raw: detail.body });
			return item;
		}
		return { ...item, ...detail.body };
	} catch (error) {
		if (!(error instanceof HttpError)) throw error;
		// The list item still has the core fields: load it, and say the detail is missing.
		onIssue({ source: SOURCE, recordKey: item.url, reason: `detail page not fetched, list item kept: ${error.message}`, raw: item });
		return item;
	}
}

async function* fromFiles(target: string, options: ExtractOptions): AsyncGenerator<RawDocument> {
	const onIssue = options.onIssue ?? (() => undefined);
	for (const file of await listFiles(target, ".json")) {
		options.signal?.throwIfAborted();
		const fetchedAt = new Date();
		let parsed: unknown;
		let text: string;
		try {
			text = await readFile(file, "utf8");
			parsed = JSON.parse(text);
		} catch (error) {
			onIssue({ source: SOURCE, recordKey: fileUrl(file), reason: `unreadable JSON file: ${String(error)}`, raw: null });
			continue;
		}
		// A saved export may be a page, a bare array of items, or one detail object.
		const items: unknown[] = Array.isArray(parsed) ? parsed : isObject(parsed) && Array.isArray(parsed.objects) ? parsed.objects : [parsed];
		// The file's ballots form one page document, after the file's other items (ballots refer to them).
		const ballots: unknown[] = [];
		for (const [index, item] of items.entries()) {
			options.signal?.throwIfAborted();
			const resource: RawResource | undefined = classifyOpenparliamentItem(item);
			if (!resource) {
				onIssue({ source: SOURCE, recordKey: fileUrl(file, String(index)), reason: "not an openparliament politician, bill, vote or ballot", raw: item });
				continue;
			}
			if (resource === "ballots") ballots.push(item);
			else yield makeRawDocument(SOURCE, resource, fileUrl(file, String(index)), item, fetchedAt);
		}
		if (ballots.length === 0) continue;
		// A file of nothing but ballots (a saved list page) is kept as it was read, like a fetched page.
		const whole = ballots.length === items.length && items === (parsed as { objects?: unknown }).objects;
		const body = whole ? parsed : { objects: ballots };
		yield { ...makeRawDocument(SOURCE, "ballots", fileUrl(file, "ballots"), body, fetchedAt, whole ? text : undefined), items: ballots.length };
	}
}
