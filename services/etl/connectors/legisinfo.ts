/**
 * LEGISinfo's bill export (parl.ca/legisinfo/en/bills/json): one JSON array for a whole session,
 * one raw document per bill.
 */
import { readFile } from "node:fs/promises";
import { Fetcher } from "../http/fetcher.ts";
import { transformLegisinfo } from "../records/legisinfo-transform.ts";
import { makeRawDocument, type RawDocument } from "../records/raw-document.ts";
import type { Connector, ExtractOptions } from "./connector.ts";
import { fileUrl, listFiles } from "./local-files.ts";

export const LEGISINFO_EXPORT_URL = "https://www.parl.ca/legisinfo/en/bills/json";
const SOURCE = "legisinfo";

export function legisinfoConnector(): Connector {
	return {
		source: SOURCE,
		transform: transformLegisinfo,
		extract(options: ExtractOptions = {}) {
			return options.file !== undefined ? fromFiles(options.file, options) : fromUrl(options);
		}
	};
}

function* documents(body: unknown, url: (index: number) => string, fetchedAt: Date, options: ExtractOptions): Generator<RawDocument> {
	// The export is an array; a single bill's JSON (saved from its own page) is accepted too.
	const bills = Array.isArray(body) ? body : body !== null && typeof body === "object" ? [body] : undefined;
	if (!bills) {
		options.onIssue?.({ source: SOURCE, recordKey: url(0), reason: "LEGISinfo export is not a JSON array of bills", raw: body });
		return;
	}
	for (const [index, bill] of bills.entries()) yield makeRawDocument(SOURCE, "legisinfo-bills", url(index), bill, fetchedAt);
}

async function* fromUrl(options: ExtractOptions): AsyncGenerator<RawDocument> {
	const target = options.url ?? LEGISINFO_EXPORT_URL;
	const fetcher = new Fetcher({
		...options.http,
		baseUrl: target,
		...(options.signal ? { signal: options.signal } : {}),
		...(options.onProgress ? { onProgress: options.onProgress } : {})
	});
	let fetched;
	try {
		fetched = await fetcher.getJson(target);
	} finally {
		await fetcher.close();
	}
	fetcher.report(fetched.url);
	yield* documents(fetched.body, (i) => `${fetched.url}#${i}`, fetched.fetchedAt, options);
}

async function* fromFiles(target: string, options: ExtractOptions): AsyncGenerator<RawDocument> {
	for (const file of await listFiles(target, ".json")) {
		options.signal?.throwIfAborted();
		let body: unknown;
		try {
			body = JSON.parse(await readFile(file, "utf8"));
		} catch (error) {
			options.onIssue?.({ source: SOURCE, recordKey: fileUrl(file), reason: `unreadable JSON file: ${String(error)}`, raw: null });
			continue;
		}
		yield* documents(body, (i) => fileUrl(file, String(i)), new Date(), options);
	}
}
