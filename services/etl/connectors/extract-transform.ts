/**
 * The database-free half of a run: extract raw documents, transform and validate each, drop
 * repeats. The loader consumes one step per raw document, so it can store the document and its
 * records together (every row knows the raw document it came from) and checkpoint between steps.
 */
import type { DataQualityIssue } from "../records/data-quality.ts";
import type { BallotColumns } from "../records/ballot-columns.ts";
import { DuplicateGuard, type NormalizedRecord } from "../records/normalized-record.ts";
import type { RawDocument } from "../records/raw-document.ts";
import type { Connector, ExtractOptions } from "./connector.ts";

export interface TransformStep {
	document: RawDocument;
	/** Source items the document holds (a page of ballots holds many): what runs count as fetched. */
	items: number;
	records: NormalizedRecord[];
	/** The document's ballots (records/ballot-columns.ts). */
	ballots: BallotColumns | undefined;
	/** Issues about this document's records. */
	issues: DataQualityIssue[];
}

export interface ExtractTransformOptions extends ExtractOptions {
	/** Drop records already seen in this run (default true); off for streams too large to remember. */
	dedupe?: boolean;
}

export async function* extractTransform(connector: Connector, options: ExtractTransformOptions = {}): AsyncGenerator<TransformStep> {
	const guard = options.dedupe === false ? undefined : new DuplicateGuard();
	for await (const document of connector.extract(options)) {
		const result = connector.transform(document);
		const issues = [...result.issues];
		let records = result.records;
		let ballots = result.ballots;
		if (guard) {
			records = [];
			for (const record of result.records) {
				const verdict = guard.admit(record, document.source);
				if (verdict.keep) records.push(record);
				// A page document is too large to repeat in every issue; the record itself says enough.
				if (verdict.issue) issues.push(document.items === undefined ? { ...verdict.issue, raw: document.body } : verdict.issue);
			}
			if (ballots) {
				const admitted = guard.admitBallots(ballots, document.source);
				ballots = admitted.kept;
				issues.push(...admitted.issues);
			}
		}
		yield { document, items: document.items ?? 1, records, ballots, issues };
	}
}
