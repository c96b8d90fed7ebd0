/**
 * Writes ballots the way they are stored: one `etl.vote_ballots` row per vote, parallel arrays in
 * politician order (migrations/004_vote_ballots.sql, docs/decisions/0008-ballots-stored-per-vote.md).
 *
 * A flush groups its ballots by vote and reads the stored rows of those votes (locked). A vote with
 * no row yet gets one, COPYed in; a stored vote is merged ballot by ballot (a later copy of a
 * politician's ballot replaces the earlier one, a ballot the source no longer lists is kept, as with
 * every other table) and rewritten only when its ballots changed: a rerun over unchanged data writes
 * nothing. Counts are in ballots, as runs report them. A ballot whose values did not change keeps
 * the raw document it was first loaded from, so lineage does not move on an unchanged rerun.
 */
import { hash } from "node:crypto";
import { arrayLiteral } from "../../../runtime/storage/copy-text.ts";
import type { TransactionExecutor } from "../../../runtime/storage/database.ts";
import type { BallotColumns } from "../records/ballot-columns.ts";

export interface DocRef {
	source: string;
	key: string;
	hash: string;
}

/** One document's ballots with the dissent the loader worked out for each. */
export interface BallotChunk {
	ballots: BallotColumns;
	dissent: readonly boolean[];
	doc: DocRef;
}

export interface BallotCounts {
	inserted: number;
	updated: number;
	unchanged: number;
}

/** A vote's ballots, parallel arrays; `at` finds a politician's position (a later copy replaces an earlier one). */
interface VoteBallots {
	session: string;
	number: number;
	at: Map<string, number>;
	slugs: string[];
	membershipIds: Array<string | null>;
	values: string[];
	dissent: boolean[];
	docs: DocRef[];
}

interface StoredRow extends Record<string, unknown> {
	session: string;
	vote_number: number;
	politician_slugs: string[];
	membership_ids: Array<string | null>;
	ballots: string[];
	dissent: boolean[];
	document_index: number[];
	document_keys: string[];
	document_hashes: string[];
	source: string;
	content_hash: string;
}

/** The stored row's columns in COPY order; the table's defaults fill the timestamps. */
const COLUMNS = [
	"session",
	"vote_number",
	"politician_slugs",
	"membership_ids",
	"ballots",
	"dissent",
	"document_index",
	"document_keys",
	"document_hashes",
	"source",
	"content_hash",
	"run_id"
] as const;

function emptyVote(session: string, number: number): VoteBallots {
	return { session, number, at: new Map(), slugs: [], membershipIds: [], values: [], dissent: [], docs: [] };
}

/** Sets one politician's ballot in the vote: appended, or over an earlier one. */
function setBallot(vote: VoteBallots, slug: string, membershipId: string | null, value: string, dissent: boolean, doc: DocRef): void {
	let i = vote.at.get(slug);
	if (i === undefined) {
		i = vote.slugs.length;
		vote.at.set(slug, i);
		vote.slugs.push(slug);
	}
	vote.membershipIds[i] = membershipId;
	vote.values[i] = value;
	vote.dissent[i] = dissent;
	vote.docs[i] = doc;
}

function groupByVote(chunks: readonly BallotChunk[]): Map<string, VoteBallots> {
	const votes = new Map<string, VoteBallots>();
	for (const { ballots, dissent, doc } of chunks) {
		for (const run of ballots.voteRuns()) {
			let vote = votes.get(run.key);
			if (!vote) votes.set(run.key, (vote = emptyVote(run.session, run.number)));
			for (let i = run.start; i < run.end; i++) {
				setBallot(vote, ballots.slugs[i] as string, ballots.membershipIds[i] ?? null, ballots.values[i] as string, dissent[i] === true, doc);
			}
		}
	}
	return votes;
}

function fromStored(row: StoredRow): VoteBallots {
	const vote = emptyVote(row.session, row.vote_number);
	// One DocRef per stored document, so toRow sees the ballots that share one as sharing it.
	const docs = row.document_keys.map((key, i): DocRef => ({ source: row.source, key, hash: row.document_hashes[i] ?? "" }));
	for (let i = 0; i < row.politician_slugs.length; i++) {
		const doc = docs[(row.document_index[i] ?? 1) - 1] ?? { source: row.source, key: "", hash: "" };
		setBallot(vote, row.politician_slugs[i] as string, row.membership_ids[i] ?? null, row.ballots[i] as string, row.dissent[i] === true, doc);
	}
	return vote;
}

/** The row for a vote's ballots, in politician order (code-unit order: slugs are ASCII, so also the "C" collation's). */
function toRow(vote: VoteBallots, runId: string): unknown[] {
	const order = vote.slugs.map((_, i) => i).sort((a, b) => {
		const x = vote.slugs[a] as string;
		const y = vote.slugs[b] as string;
		return x < y ? -1 : x > y ? 1 : 0;
	});
	const n = order.length;
	const slugs = new Array<string>(n);
	const memberships = new Array<string | null>(n);
	const ballots = new Array<string>(n);
	const dissent = new Array<boolean>(n);
	const documentIndex = new Array<number>(n);
	const documentKeys: string[] = [];
	const documentHashes: string[] = [];
	const documentAt = new Map<DocRef, number>();
	for (let k = 0; k < n; k++) {
		const i = order[k] as number;
		slugs[k] = vote.slugs[i] as string;
		memberships[k] = vote.membershipIds[i] ?? null;
		ballots[k] = vote.values[i] as string;
		dissent[k] = vote.dissent[i] === true;
		const doc = vote.docs[i] as DocRef;
		let at = documentAt.get(doc);
		if (at === undefined) {
			// Two DocRefs for one document (a page re-read by a resumed run) still share one entry.
			const same = documentKeys.findIndex((key, j) => key === doc.key && documentHashes[j] === doc.hash);
			if (same === -1) {
				documentKeys.push(doc.key);
				documentHashes.push(doc.hash);
				at = documentKeys.length;
			} else at = same + 1;
			documentAt.set(doc, at);
		}
		documentIndex[k] = at;
	}
	const source = vote.docs[0]?.source ?? "";
	// The arrays go to COPY (and UPDATE) as literals, encoded once; the content hash covers the same text.
	const ballotColumns = [arrayLiteral(slugs), arrayLiteral(memberships), arrayLiteral(ballots), arrayLiteral(dissent)];
	const lineage = [arrayLiteral(documentIndex), arrayLiteral(documentKeys), arrayLiteral(documentHashes)];
	return [vote.session, vote.number, ...ballotColumns, ...lineage, source, ballotsHash(ballotColumns), runId];
}

/** The literals of a vote's ballot columns in politician order, as toRow writes them: what its content hash covers. */
function ballotLiterals(vote: VoteBallots): string[] {
	const order = vote.slugs.map((_, i) => i).sort((a, b) => {
		const x = vote.slugs[a] as string;
		const y = vote.slugs[b] as string;
		return x < y ? -1 : x > y ? 1 : 0;
	});
	return [
		arrayLiteral(order.map((i) => vote.slugs[i] as string)),
		arrayLiteral(order.map((i) => vote.membershipIds[i] ?? null)),
		arrayLiteral(order.map((i) => vote.values[i] as string)),
		arrayLiteral(order.map((i) => vote.dissent[i] === true))
	];
}

/** sha256 of a vote's ballots (their array literals, not their lineage): equal for equal ballots, whichever run or page they came from. */
function ballotsHash(literals: readonly string[]): string {
	return hash("sha256", literals.join("\t"), "hex");
}

const CONTENT_HASH = COLUMNS.indexOf("content_hash");

/**
 * Writes a flush's ballots inside its transaction; the lease makes this run the only writer of these votes.
 *
 * Two reads, so an unchanged rerun stays cheap: first each vote's content hash only, compared with
 * the hash of the ballots arriving for it. Equal means the stored vote holds exactly these ballots:
 * nothing to merge or write. Only the votes that differ (new ballots, changed ones, or a vote that
 * arrives in parts) have their arrays read and merged. Reading every vote's seven arrays back (a
 * million elements per million ballots, parsed on this thread) was most of a rerun's time.
 */
export async function writeVoteBallots(tx: TransactionExecutor, runId: string, chunks: readonly BallotChunk[]): Promise<BallotCounts> {
	const counts: BallotCounts = { inserted: 0, updated: 0, unchanged: 0 };
	const votes = groupByVote(chunks);
	if (votes.size === 0) return counts;
	const list = [...votes.values()];
	const { rows: hashes } = await tx.query<{ session: string; vote_number: number; content_hash: string }>(
		`SELECT v.session, v.vote_number, v.content_hash FROM etl.vote_ballots v JOIN unnest($1::text[], $2::int[]) AS k(session, number) ON v.session = k.session AND v.vote_number = k.number`,
		[list.map((v) => v.session), list.map((v) => v.number)]
	);
	const storedHash = new Map(hashes.map((row) => [`${row.session}/${row.vote_number}`, row.content_hash]));
	const fresh: unknown[][] = [];
	const differing: VoteBallots[] = [];
	for (const [key, incoming] of votes) {
		const before = storedHash.get(key);
		if (before === undefined) {
			counts.inserted += incoming.slugs.length;
			fresh.push(toRow(incoming, runId));
		} else if (ballotsHash(ballotLiterals(incoming)) === before) counts.unchanged += incoming.slugs.length;
		else differing.push(incoming);
	}

	const changed: unknown[][] = [];
	if (differing.length > 0) {
		const { rows: stored } = await tx.query<StoredRow>(
			`SELECT v.session, v.vote_number, v.politician_slugs, v.membership_ids, v.ballots, v.dissent, v.document_index, v.document_keys, v.document_hashes, v.source, v.content_hash
			 FROM etl.vote_ballots v JOIN unnest($1::text[], $2::int[]) AS k(session, number) ON v.session = k.session AND v.vote_number = k.number
			 FOR UPDATE OF v`,
			[differing.map((v) => v.session), differing.map((v) => v.number)]
		);
		const storedByKey = new Map(stored.map((row) => [`${row.session}/${row.vote_number}`, row]));
		for (const incoming of differing) {
			const before = storedByKey.get(`${incoming.session}/${incoming.number}`);
			if (!before) throw new Error(`The ballots of vote ${incoming.session}/${incoming.number} vanished while this run held its source`);
			const merged = fromStored(before);
			let touched = false;
			for (let i = 0; i < incoming.slugs.length; i++) {
				const slug = incoming.slugs[i] as string;
				const at = merged.at.get(slug);
				const membershipId = incoming.membershipIds[i] ?? null;
				const value = incoming.values[i] as string;
				const dissent = incoming.dissent[i] === true;
				if (at === undefined) counts.inserted++;
				else if (merged.membershipIds[at] === membershipId && merged.values[at] === value && merged.dissent[at] === dissent) {
					// Unchanged: it keeps the document it was loaded from.
					counts.unchanged++;
					continue;
				} else counts.updated++;
				touched = true;
				setBallot(merged, slug, membershipId, value, dissent, incoming.docs[i] as DocRef);
			}
			if (!touched) continue;
			const row = toRow(merged, runId);
			if (row[CONTENT_HASH] !== before.content_hash) changed.push(row);
		}
	}

	if (fresh.length > 0) await tx.copyRows("etl.vote_ballots", COLUMNS, fresh);
	for (const row of changed) {
		await tx.query(
			`UPDATE etl.vote_ballots SET politician_slugs = $3, membership_ids = $4, ballots = $5, dissent = $6, document_index = $7,
			 document_keys = $8, document_hashes = $9, source = $10, content_hash = $11, run_id = $12, updated_at = now()
			 WHERE session = $1 AND vote_number = $2`,
			row
		);
	}
	return counts;
}
