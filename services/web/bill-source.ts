/**
 * A bill's provenance (issue 11: "the raw document it came from and when it was fetched"): the
 * row's lineage columns name the raw document (source, key = its URL, content hash, the run that
 * last changed the row; docs/decisions/0005), and the document store says when it was fetched.
 */
import type { DocumentStore } from "../../runtime/storage/document-store.ts";
import type { BillRow } from "./stores/bills-store.ts";

export interface BillSource {
	source: string;
	/** Where the document came from (an http(s) URL, or a file: URL for a local export). */
	document_key: string;
	/** sha256 of the document as stored: anyone holding the document can check it. */
	document_hash: string;
	run_id: string | null;
	/** Null while the document store cannot be read (the fields above still name the document). */
	fetched_at: string | null;
	document_id: string | null;
}

export async function billSource(documents: DocumentStore | undefined, bill: Pick<BillRow, "source" | "document_key" | "document_hash" | "run_id">): Promise<BillSource> {
	const lineage = { source: bill.source, document_key: bill.document_key, document_hash: bill.document_hash, run_id: bill.run_id };
	let found: { id: string; fetchedAt: Date } | undefined;
	try {
		// The same key holds one document per distinct content; the row names the one by its hash.
		const versions = documents ? await documents.findRawDocuments({ source: bill.source, key: bill.document_key, limit: 1_000 }) : [];
		found = versions.find((d) => d.checksum === bill.document_hash);
	} catch {
		// The lineage is still true without the fetch time; a store outage must not fail the bill.
		found = undefined;
	}
	return { ...lineage, fetched_at: found ? found.fetchedAt.toISOString() : null, document_id: found?.id ?? null };
}
