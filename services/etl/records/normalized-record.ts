/**
 * The tagged union a transform emits, and the natural key of each record kind. The key is what
 * an upsert conflicts on and what duplicate detection compares, so it lives beside the schemas.
 */
import type { z } from "zod";
import { Ballot, Bill, BillStage, Membership, Party, PartyVote, Politician, Province, Riding, Session, Vote } from "./domain.ts";
import { canonicalJson } from "./raw-document.ts";
import { check, type DataQualityIssue } from "./data-quality.ts";
import { type BallotCandidate, BallotColumns, checkBallot } from "./ballot-columns.ts";

export const recordSchemas = {
	session: Session,
	province: Province,
	party: Party,
	riding: Riding,
	politician: Politician,
	membership: Membership,
	bill: Bill,
	billStage: BillStage,
	vote: Vote,
	ballot: Ballot,
	partyVote: PartyVote
} as const;

export type RecordKind = keyof typeof recordSchemas;
export type RecordOf<K extends RecordKind> = z.output<(typeof recordSchemas)[K]>;

export type NormalizedRecord = { [K in RecordKind]: { kind: K; key: string; data: RecordOf<K> } }[RecordKind];

const keyOf: { [K in RecordKind]: (data: RecordOf<K>) => string } = {
	session: (d) => d.id,
	province: (d) => d.ocdId,
	party: (d) => d.key,
	riding: (d) => d.ocdId,
	politician: (d) => d.slug,
	membership: (d) => d.id,
	bill: (d) => `${d.session}/${d.number}`,
	billStage: (d) => `${d.session}/${d.billNumber}/${d.stage}`,
	vote: (d) => `${d.session}/${d.number}`,
	ballot: (d) => `${d.session}/${d.voteNumber}/${d.politicianSlug}`,
	partyVote: (d) => `${d.session}/${d.voteNumber}/${d.partyKey}`
};

export function recordKey<K extends RecordKind>(kind: K, data: RecordOf<K>): string {
	return keyOf[kind](data);
}

export interface TransformResult {
	/** Every record but ballots. */
	records: NormalizedRecord[];
	/** Ballots travel in columns (records/ballot-columns.ts): they are the volume. */
	ballots?: BallotColumns | undefined;
	issues: DataQualityIssue[];
}

/** Collects one raw document's records, validating each; a record that fails becomes an issue. */
export class RecordCollector implements TransformResult {
	readonly records: NormalizedRecord[] = [];
	readonly issues: DataQualityIssue[] = [];
	ballots: BallotColumns | undefined;
	readonly #source: string;
	#raw: unknown;

	constructor(source: string, raw: unknown) {
		this.#source = source;
		this.#raw = raw;
	}

	/** The raw input later issues point at: one item of a page document rather than the whole page. */
	about(raw: unknown): void {
		this.#raw = raw;
	}

	add<K extends RecordKind>(kind: K, candidate: unknown, recordKeyHint?: string): RecordOf<K> | undefined {
		const context: { source: string; raw: unknown; what: string; recordKey?: string } = {
			source: this.#source,
			raw: this.#raw,
			what: kind
		};
		if (recordKeyHint !== undefined) context.recordKey = recordKeyHint;
		const checked = check(recordSchemas[kind], candidate, context);
		if (!checked.ok) {
			this.issues.push(checked.issue);
			return undefined;
		}
		const data = checked.value as RecordOf<K>;
		this.records.push({ kind, key: recordKey(kind, data), data } as NormalizedRecord);
		return data;
	}

	/** A ballot: validated against the domain schema like `add`, kept in columns. */
	addBallot(candidate: BallotCandidate): void {
		const checked = checkBallot(candidate, this.#source, this.#raw);
		if (!checked.ok) {
			this.issues.push(checked.issue);
			return;
		}
		(this.ballots ??= new BallotColumns()).push(checked.value);
	}

	issue(reason: string, recordKey?: string): void {
		const issue: DataQualityIssue = { source: this.#source, reason, raw: this.#raw };
		if (recordKey !== undefined) issue.recordKey = recordKey;
		this.issues.push(issue);
	}
}

/** The fields each kind's key is made of: equal keys mean equal values there, so the guard skips them. */
const KEY_FIELDS: { [K in RecordKind]: ReadonlySet<string> } = {
	session: new Set(["id"]),
	province: new Set(["ocdId"]),
	party: new Set(["key"]),
	riding: new Set(["ocdId"]),
	politician: new Set(["slug"]),
	membership: new Set(["id"]),
	bill: new Set(["session", "number"]),
	billStage: new Set(["session", "billNumber", "stage"]),
	vote: new Set(["session", "number"]),
	ballot: new Set(["session", "voteNumber", "politicianSlug"]),
	partyVote: new Set(["session", "voteNumber", "partyKey"])
};

/**
 * The record's defined non-key fields as a JSON object, in the record's own field order: what two
 * copies of a key compare. Not sorted: one transform builds every record of a kind in the same
 * order, and two copies that differ only in order take the field-by-field path in `admit`, which
 * compares canonically. Written by hand rather than through an object and canonicalJson, as this
 * runs once per record (a million times per benchmark run; 10 % of its profile with sorting).
 */
function fieldsJson(record: NormalizedRecord): string {
	const keyFields = KEY_FIELDS[record.kind];
	const data = record.data as Record<string, unknown>;
	let out = "{";
	for (const name in data) {
		const value = data[name];
		if (value === undefined || keyFields.has(name)) continue;
		// A primitive's canonical JSON is its JSON; only objects need their keys sorted.
		out += `${out.length === 1 ? "" : ","}${JSON.stringify(name)}:${value !== null && typeof value === "object" ? canonicalJson(value) : JSON.stringify(value)}`;
	}
	return `${out}}`;
}

/**
 * Within one run the same key may arrive many times: a party appears in every member's
 * memberships, a session in every bill. A repeat that says nothing new is dropped quietly; one
 * that only adds fields the earlier copies left unsaid (a party's full name, after a list item
 * gave only its short name) is kept, since the loader merges absent fields; one that contradicts
 * a field already seen (two rows giving the same riding id different names) is an issue, and the
 * first value stays, so the outcome does not depend on which duplicate comes last.
 *
 * Memory is what limits it: a run of 1M ballots remembers 1M keys. A key is split at its last
 * "/" into a group (`ballot:44-1/123`) and a name (`member-7`); names and the non-key fields'
 * canonical JSON are interned (a few thousand distinct values), so each key costs one map entry
 * holding a small integer. A map of field strings per key, as before, made the guard a third of
 * extract-and-transform time on the benchmark, most of it garbage collection.
 */
export class DuplicateGuard {
	readonly #groups = new Map<RecordKind, Map<string, Map<string, number>>>();
	/** Ballots: vote → politician → index of its (membership, ballot) pair in #ballotPairs. */
	readonly #ballots = new Map<string, Map<string, number>>();
	/** membership → ballot → pair index: two lookups, no key string built per ballot. */
	readonly #ballotPairIds = new Map<string | null, Map<string, number>>();
	readonly #ballotPairs: Array<[membershipId: string | null, ballot: string]> = [];
	readonly #names = new Map<string, string>();
	readonly #fieldIds = new Map<string, number>();
	readonly #fields: string[] = [];

	/** The same id for the same JSON: ids are small integers, stored unboxed in the maps. */
	#fieldsId(json: string): number {
		let id = this.#fieldIds.get(json);
		if (id === undefined) {
			id = this.#fields.length;
			this.#fields.push(json);
			this.#fieldIds.set(json, id);
		}
		return id;
	}

	/** One shared instance per distinct name, so the maps do not keep a million equal strings alive. */
	#intern(name: string): string {
		const known = this.#names.get(name);
		if (known !== undefined) return known;
		this.#names.set(name, name);
		return name;
	}

	/**
	 * The same rules for a document's ballots, column by column: every field of a ballot is always
	 * present, so a repeat either says the same (dropped) or disagrees (an issue; the first stays).
	 */
	admitBallots(ballots: BallotColumns, source: string): { kept: BallotColumns; issues: DataQualityIssue[] } {
		const issues: DataQualityIssue[] = [];
		let dropped: Set<number> | undefined;
		for (const run of ballots.voteRuns()) {
			let vote = this.#ballots.get(run.key);
			if (!vote) this.#ballots.set(run.key, (vote = new Map()));
			for (let i = run.start; i < run.end; i++) {
				const membershipId = ballots.membershipIds[i] ?? null;
				const value = ballots.values[i] as string;
				const pair = this.#ballotPair(membershipId, value);
				// Already one shared instance per slug (records/ballot-columns.ts), so no interning here.
				const slug = ballots.slugs[i] as string;
				const before = vote.get(slug);
				if (before === undefined) {
					vote.set(slug, pair);
					continue;
				}
				(dropped ??= new Set()).add(i);
				if (before === pair) continue;
				const [knownMembership, knownBallot] = this.#ballotPairs[before] ?? [null, ""];
				const conflicts = [...(knownMembership !== membershipId ? ["membershipId"] : []), ...(knownBallot !== value ? ["ballot"] : [])];
				const key = `${run.key}/${slug}`;
				issues.push({ source, recordKey: key, reason: `duplicate ballot ${key} disagrees on ${conflicts.join(", ")}; the first one seen was kept`, raw: ballots.at(i) });
			}
		}
		return { kept: dropped ? ballots.filter((i) => !dropped.has(i)) : ballots, issues };
	}

	/** The index of a (membership, ballot) pair, the same for the same pair. */
	#ballotPair(membershipId: string | null, value: string): number {
		let byValue = this.#ballotPairIds.get(membershipId);
		if (!byValue) this.#ballotPairIds.set(membershipId, (byValue = new Map()));
		let pair = byValue.get(value);
		if (pair === undefined) {
			pair = this.#ballotPairs.length;
			this.#ballotPairs.push([membershipId, value]);
			byValue.set(value, pair);
		}
		return pair;
	}

	admit(record: NormalizedRecord, source: string): { keep: boolean; issue?: DataQualityIssue } {
		const cut = record.key.lastIndexOf("/");
		let groups = this.#groups.get(record.kind);
		if (!groups) this.#groups.set(record.kind, (groups = new Map()));
		const groupKey = cut === -1 ? "" : record.key.slice(0, cut);
		let group = groups.get(groupKey);
		if (!group) groups.set(groupKey, (group = new Map()));
		const name = this.#intern(cut === -1 ? record.key : record.key.slice(cut + 1));
		const id = this.#fieldsId(fieldsJson(record));
		const before = group.get(name);
		if (before === undefined) {
			group.set(name, id);
			return { keep: true };
		}
		if (before === id) return { keep: false };
		const known = JSON.parse(this.#fields[before] ?? "{}") as Record<string, unknown>;
		const keyFields = KEY_FIELDS[record.kind];
		const conflicts: string[] = [];
		let added = false;
		// In the record's own field order, so the reason names fields as the source orders them.
		for (const [field, value] of Object.entries(record.data)) {
			if (value === undefined || keyFields.has(field)) continue;
			if (!(field in known)) {
				known[field] = value;
				added = true;
			} else if (canonicalJson(known[field]) !== canonicalJson(value)) conflicts.push(field);
		}
		if (conflicts.length > 0) {
			return {
				keep: false,
				issue: {
					source,
					recordKey: record.key,
					reason: `duplicate ${record.kind} ${record.key} disagrees on ${conflicts.join(", ")}; the first one seen was kept`,
					raw: record.data
				}
			};
		}
		if (added) group.set(name, this.#fieldsId(canonicalJson(known)));
		return { keep: added };
	}
}
