/**
 * The tagged union a transform emits, and the natural key of each record kind. The key is what
 * an upsert conflicts on and what duplicate detection compares, so it lives beside the schemas.
 */
import type { z } from "zod";
import { Ballot, Bill, BillStage, Membership, Party, PartyVote, Politician, Province, Riding, Session, Vote } from "./domain.ts";
import { canonicalJson } from "./raw-document.ts";
import { check, type DataQualityIssue } from "./data-quality.ts";

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
	records: NormalizedRecord[];
	issues: DataQualityIssue[];
}

/** Collects one raw document's records, validating each; a record that fails becomes an issue. */
export class RecordCollector implements TransformResult {
	readonly records: NormalizedRecord[] = [];
	readonly issues: DataQualityIssue[] = [];
	readonly #source: string;
	readonly #raw: unknown;

	constructor(source: string, raw: unknown) {
		this.#source = source;
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

	issue(reason: string, recordKey?: string): void {
		const issue: DataQualityIssue = { source: this.#source, reason, raw: this.#raw };
		if (recordKey !== undefined) issue.recordKey = recordKey;
		this.issues.push(issue);
	}
}

/**
 * Within one run the same key may arrive many times: a party appears in every member's
 * memberships, a session in every bill. A repeat that says nothing new is dropped quietly; one
 * that only adds fields the earlier copies left unsaid (a party's full name, after a list item
 * gave only its short name) is kept, since the loader merges absent fields; one that contradicts
 * a field already seen (two rows giving the same riding id different names) is an issue, and the
 * first value stays, so the outcome does not depend on which duplicate comes last.
 */
export class DuplicateGuard {
	readonly #seen = new Map<string, Map<string, string>>();

	admit(record: NormalizedRecord, source: string): { keep: boolean; issue?: DataQualityIssue } {
		const id = `${record.kind}:${record.key}`;
		const fields = Object.entries(record.data).filter(([, value]) => value !== undefined);
		const known = this.#seen.get(id);
		if (known === undefined) {
			this.#seen.set(id, new Map(fields.map(([name, value]) => [name, canonicalJson(value)])));
			return { keep: true };
		}
		const conflicts: string[] = [];
		const added: Array<[string, string]> = [];
		for (const [name, value] of fields) {
			const json = canonicalJson(value);
			const before = known.get(name);
			if (before === undefined) added.push([name, json]);
			else if (before !== json) conflicts.push(name);
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
		for (const [name, json] of added) known.set(name, json);
		return { keep: added.length > 0 };
	}
}
