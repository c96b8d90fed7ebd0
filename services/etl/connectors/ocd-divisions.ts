/**
 * Open Civic Data division ids for Canada (github.com/opencivicdata/ocd-division-ids, CC0): the
 * provinces file and the federal riding files of each representation order, one raw document
 * per CSV row. Which file is which is read from its header, so an operator can point `--file` at
 * the repository's whole country-ca folder: files of other kinds (census subdivisions, provincial
 * ridings) are skipped with one issue each rather than yielding thousands of bad rows.
 */
import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import { Fetcher } from "../http/fetcher.ts";
import { transformOcd } from "../records/ocd-transform.ts";
import { makeRawDocument, type RawDocument, type RawResource } from "../records/raw-document.ts";
import type { Connector, ExtractOptions } from "./connector.ts";
import { fileUrl, listFiles } from "./local-files.ts";

const SOURCE = "ocd";
/**
 * Where the published files are: the exact folder, not the code-hosting host, which serves every
 * repository of every user. A gateway caller's url and every redirect must stay under it.
 */
export const OCD_PUBLISHED_PREFIX = "https://raw.githubusercontent.com/opencivicdata/ocd-division-ids/master/identifiers/country-ca/";
const RAW_BASE = OCD_PUBLISHED_PREFIX;

export const OCD_DEFAULT_URLS = [
	`${RAW_BASE}ca_provinces_and_territories.csv`,
	`${RAW_BASE}ca_federal_electoral_districts-2013.csv`,
	`${RAW_BASE}ca_federal_electoral_districts-2023.csv`
];

/** The header tells the file's kind: provinces have `sgc`; federal riding files `name_fr` and `validFrom`. */
export function classifyOcdHeader(columns: readonly string[]): RawResource | undefined {
	const has = (c: string) => columns.includes(c);
	if (has("id") && has("sgc") && has("abbreviation")) return "provinces";
	if (has("id") && has("name") && has("name_fr") && has("validFrom") && !has("classification")) return "ridings";
	return undefined;
}

export interface OcdConfig {
	/** CSV URLs to read when neither `url` nor `file` is given. */
	urls?: string[];
}

export function ocdDivisionsConnector(config: OcdConfig = {}): Connector {
	return {
		source: SOURCE,
		transform: transformOcd,
		extract(options: ExtractOptions = {}) {
			return options.file !== undefined ? fromFiles(options.file, options) : fromUrls(options.url ? [options.url] : (config.urls ?? OCD_DEFAULT_URLS), options);
		}
	};
}

const CSV_OPTIONS = {
	columns: true,
	bom: true,
	skip_empty_lines: true,
	// A row with a missing or extra cell becomes one invalid record, not a failed file.
	relax_column_count: true
} as const;

async function* rows(records: AsyncIterable<unknown>, location: string, options: ExtractOptions): AsyncGenerator<RawDocument> {
	const fetchedAt = new Date();
	let resource: RawResource | undefined;
	// Data rows counted from 1 (header excluded), so `#row=N` survives quoted multi-line cells.
	let rowNumber = 0;
	for await (const row of records) {
		rowNumber++;
		options.signal?.throwIfAborted();
		if (resource === undefined) {
			resource = classifyOcdHeader(row !== null && typeof row === "object" ? Object.keys(row) : []);
			if (!resource) {
				options.onIssue?.({ source: SOURCE, recordKey: location, reason: "not an OCD provinces or federal ridings CSV; file skipped", raw: row });
				return;
			}
		}
		yield makeRawDocument(SOURCE, resource, `${location}#row=${rowNumber}`, row, fetchedAt);
	}
}

async function* fromFiles(target: string, options: ExtractOptions): AsyncGenerator<RawDocument> {
	for (const file of await listFiles(target, ".csv")) {
		const stream = createReadStream(file).pipe(parse(CSV_OPTIONS));
		try {
			yield* rows(stream, fileUrl(file), options);
		} finally {
			stream.destroy();
		}
	}
}

async function* fromUrls(urls: string[], options: ExtractOptions): AsyncGenerator<RawDocument> {
	for (const url of urls) {
		const fetcher = new Fetcher({
			headers: { accept: "text/csv, text/plain, */*" },
			...options.http,
			baseUrl: url,
			...(options.signal ? { signal: options.signal } : {}),
			...(options.onProgress ? { onProgress: options.onProgress } : {})
		});
		let fetched;
		try {
			fetched = await fetcher.getText(url);
		} finally {
			await fetcher.close();
		}
		fetcher.report(fetched.url);
		const parser = parse(fetched.body, CSV_OPTIONS);
		yield* rows(parser, fetched.url, options);
	}
}
