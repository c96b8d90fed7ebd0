/**
 * A document's ballots, column by column. Ballots are the volume (a million per benchmark run,
 * hundreds of thousands per parliament): as one object each, plus the wrappers every other record
 * kind travels in, they made garbage collection the largest item of a run's profile. Parallel
 * arrays of a few distinct strings cost next to nothing, and the loader stores them as arrays too
 * (pipeline/vote-ballots.ts).
 *
 * `checkBallot` validates against the domain schema (`Ballot`, records/domain.ts) like every other
 * record, but remembers the verdict for each distinct session, slug and membership id: a run has
 * a handful of sessions and a few hundred members, so each is checked once, not once per ballot.
 * A ballot that fails any check goes through the whole schema, so its issue reads like any other.
 */
import { type DataQualityIssue, check } from "./data-quality.ts";
import { Ballot, BallotValue } from "./domain.ts";

export class BallotColumns {
	readonly sessions: string[] = [];
	readonly voteNumbers: number[] = [];
	readonly slugs: string[] = [];
	readonly membershipIds: Array<string | null> = [];
	readonly values: BallotValue[] = [];

	get length(): number {
		return this.slugs.length;
	}

	push(ballot: Ballot): void {
		this.sessions.push(ballot.session);
		this.voteNumbers.push(ballot.voteNumber);
		this.slugs.push(ballot.politicianSlug);
		this.membershipIds.push(ballot.membershipId);
		this.values.push(ballot.ballot);
	}

	/** The i-th ballot as a record (for issues and tests; the load path reads the columns). */
	at(i: number): Ballot {
		return {
			session: this.sessions[i] as string,
			voteNumber: this.voteNumbers[i] as number,
			politicianSlug: this.slugs[i] as string,
			membershipId: this.membershipIds[i] ?? null,
			ballot: this.values[i] as BallotValue
		};
	}

	toArray(): Ballot[] {
		return Array.from({ length: this.length }, (_, i) => this.at(i));
	}

	/**
	 * The runs of consecutive ballots of one vote, as [start, end) with the vote and its key
	 * (`session/number`). Ballots come a vote at a time, so whoever groups them by vote builds a key
	 * and asks a map once per run, not once per ballot.
	 */
	*voteRuns(): Generator<{ session: string; number: number; key: string; start: number; end: number }> {
		let start = 0;
		while (start < this.length) {
			const session = this.sessions[start] as string;
			const number = this.voteNumbers[start] as number;
			let end = start + 1;
			while (end < this.length && this.voteNumbers[end] === number && this.sessions[end] === session) end++;
			yield { session, number, key: `${session}/${number}`, start, end };
			start = end;
		}
	}

	/** The ballots whose positions `keep` says yes to, in order. */
	filter(keep: (i: number) => boolean): BallotColumns {
		const out = new BallotColumns();
		for (let i = 0; i < this.length; i++) if (keep(i)) out.push(this.at(i));
		return out;
	}
}

/**
 * Ballots as they cross from the extraction worker to the loading thread (connectors/extract-worker.ts):
 * each distinct string once, and typed arrays of indexes into them, moved without a copy. Posted as
 * plain string arrays, every ballot's strings would be serialised and rebuilt one by one.
 */
export interface PackedBallots {
	strings: string[];
	sessions: Int32Array;
	voteNumbers: Int32Array;
	slugs: Int32Array;
	/** -1 for none. */
	membershipIds: Int32Array;
	values: Int32Array;
}

export function packBallots(ballots: BallotColumns): { packed: PackedBallots; transfer: ArrayBuffer[] } {
	const strings: string[] = [];
	const index = new Map<string, number>();
	const code = (value: string): number => {
		let i = index.get(value);
		if (i === undefined) {
			i = strings.length;
			strings.push(value);
			index.set(value, i);
		}
		return i;
	};
	const n = ballots.length;
	const packed: PackedBallots = {
		strings,
		sessions: new Int32Array(n),
		voteNumbers: Int32Array.from(ballots.voteNumbers),
		slugs: new Int32Array(n),
		membershipIds: new Int32Array(n),
		values: new Int32Array(n)
	};
	for (let i = 0; i < n; i++) {
		packed.sessions[i] = code(ballots.sessions[i] as string);
		packed.slugs[i] = code(ballots.slugs[i] as string);
		const membershipId = ballots.membershipIds[i];
		packed.membershipIds[i] = membershipId === null || membershipId === undefined ? -1 : code(membershipId);
		packed.values[i] = code(ballots.values[i] as string);
	}
	const transfer = [packed.sessions, packed.voteNumbers, packed.slugs, packed.membershipIds, packed.values].map((a) => a.buffer as ArrayBuffer);
	return { packed, transfer };
}

/** Unpacks, with `intern` giving one instance per distinct string across the whole run. */
export function unpackBallots(packed: PackedBallots, intern: (value: string) => string): BallotColumns {
	const strings = packed.strings.map(intern);
	const out = new BallotColumns();
	for (let i = 0; i < packed.slugs.length; i++) {
		out.sessions.push(strings[packed.sessions[i] as number] as string);
		out.voteNumbers.push(packed.voteNumbers[i] as number);
		out.slugs.push(strings[packed.slugs[i] as number] as string);
		const membership = packed.membershipIds[i] as number;
		out.membershipIds.push(membership < 0 ? null : (strings[membership] as string));
		out.values.push(strings[packed.values[i] as number] as BallotValue);
	}
	return out;
}

/** Distinct values a run has seen are few; past this many, the memory is given back and refilled. */
const MEMO_LIMIT = 10_000;

/**
 * A field schema's verdict per distinct value, and one shared instance of each valid value: the
 * million ballots of a run then hold a few hundred strings, and maps keyed by them (the duplicate
 * guard, the loader's grouping) hash each string once.
 */
class FieldMemo {
	readonly #canonical = new Map<string, string | null>();
	readonly #test: (value: string) => boolean;

	constructor(test: (value: string) => boolean) {
		this.#test = test;
	}

	/** The shared instance of a valid value, or null. */
	valid(value: string): string | null {
		let canonical = this.#canonical.get(value);
		if (canonical === undefined) {
			if (this.#canonical.size >= MEMO_LIMIT) this.#canonical.clear();
			canonical = this.#test(value) ? value : null;
			this.#canonical.set(value, canonical);
		}
		return canonical;
	}
}

const sessions = new FieldMemo((v) => Ballot.shape.session.safeParse(v).success);
const slugs = new FieldMemo((v) => Ballot.shape.politicianSlug.safeParse(v).success);
const memberships = new FieldMemo((v) => Ballot.shape.membershipId.safeParse(v).success);
const VALUES: ReadonlyMap<string, BallotValue> = new Map(BallotValue.options.map((v) => [v, v]));

export interface BallotCandidate {
	session: string;
	voteNumber: number;
	politicianSlug: string;
	membershipId: string | null;
	ballot: string;
}

/** The candidate as a valid ballot, or the issue the domain schema gives it. */
export function checkBallot(candidate: BallotCandidate, source: string, raw: unknown): { ok: true; value: Ballot } | { ok: false; issue: DataQualityIssue } {
	const session = sessions.valid(candidate.session);
	const politicianSlug = slugs.valid(candidate.politicianSlug);
	const membershipId = candidate.membershipId === null ? null : memberships.valid(candidate.membershipId);
	const ballot = VALUES.get(candidate.ballot);
	const { voteNumber } = candidate;
	if (session !== null && politicianSlug !== null && (membershipId !== null || candidate.membershipId === null) && ballot !== undefined && Number.isInteger(voteNumber) && voteNumber > 0) {
		return { ok: true, value: { session, voteNumber, politicianSlug, membershipId, ballot } };
	}
	const recordKey = `${candidate.session}/${candidate.voteNumber}/${candidate.politicianSlug}`;
	return check(Ballot, candidate, { source, raw, recordKey, what: "ballot" });
}
