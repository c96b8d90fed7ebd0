/**
 * What every connector offers the pipeline: `extract` reads a source (over HTTP, or from a local
 * export with `file`) as raw documents, `transform` turns one raw document into normalized
 * records plus data-quality issues. Extraction problems that are not about one record (a
 * next_url loop, a failed detail page, an unreadable file) reach `onIssue`; a failure that
 * leaves nothing to go on (the list itself unreachable after every retry) throws.
 */
import type { FetcherOptions, FetchProgress } from "../http/fetcher.ts";
import type { DataQualityIssue } from "../records/data-quality.ts";
import type { TransformResult } from "../records/normalized-record.ts";
import type { RawDocument, SourceName } from "../records/raw-document.ts";

export interface ExtractOptions {
	/** Base URL (openparliament) or export URL (LEGISinfo, an OCD CSV); each connector has a default. */
	url?: string;
	/** A local file or folder to read instead of the network (`npm run etl -- run X --file PATH`). */
	file?: string;
	signal?: AbortSignal;
	onIssue?: (issue: DataQualityIssue) => void;
	onProgress?: (progress: FetchProgress) => void;
	/** Rate limit, timeout and retry settings for this run. */
	http?: Omit<FetcherOptions, "baseUrl" | "signal" | "onProgress">;
}

export interface Connector {
	readonly source: SourceName;
	extract(options?: ExtractOptions): AsyncIterable<RawDocument>;
	transform(doc: RawDocument): TransformResult;
}
