/**
 * Who a House of Commons record means, among the politicians already loaded (from openparliament).
 * The House names a member by its person id, first and last name and constituency; our politicians
 * are keyed by openparliament's slug. A member is matched by person id where one is known for a
 * politician, else by name and riding together, both compared without accents, case or punctuation
 * ("Bécancour—Nicolet—Saurel" and "Becancour-Nicolet-Saurel" are one riding). More than one
 * candidate is ambiguous and reported, never guessed; a politician known under another person id
 * is never a candidate for this one.
 */

/** The directory the run reads from the database before it starts (plain data: it crosses to the worker). */
export interface MemberDirectory {
	politicians: Array<{ slug: string; name: string; givenName: string | null; familyName: string | null; parlPersonId: string | null }>;
	memberships: Array<{ id: string; slug: string; ridingName: string; startDate: string; endDate: string | null }>;
}

export interface HouseMember {
	personId: string | null;
	firstName: string;
	lastName: string;
	constituency: string;
}

export type MemberMatch =
	| { kind: "matched"; slug: string; name: string; membershipId: string | null; by: "person id" | "name and riding"; knownPersonId: string | null }
	| { kind: "ambiguous"; slugs: string[]; by: "person id" | "name and riding" }
	| { kind: "unmatched" };

/** Accents, case and punctuation folded away: the form two spellings of one name share. */
export function foldName(value: string): string {
	return value
		.normalize("NFD")
		.replace(/\p{M}/gu, "")
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, " ")
		.trim();
}

type Politician = MemberDirectory["politicians"][number];
type Membership = MemberDirectory["memberships"][number];

export class MemberMatcher {
	readonly #byPersonId = new Map<string, Politician[]>();
	readonly #byName = new Map<string, Politician[]>();
	readonly #memberships = new Map<string, Membership[]>();

	constructor(directory: MemberDirectory) {
		for (const p of directory.politicians) {
			if (p.parlPersonId) push(this.#byPersonId, p.parlPersonId, p);
			const names = new Set([foldName(p.name)]);
			if (p.givenName && p.familyName) names.add(foldName(`${p.givenName} ${p.familyName}`));
			for (const name of names) push(this.#byName, name, p);
		}
		for (const m of directory.memberships) push(this.#memberships, m.slug, m);
	}

	/** `date` (YYYY-MM-DD) picks the membership the record belongs to; without one, none is picked. */
	match(member: HouseMember, date: string | null): MemberMatch {
		if (member.personId) {
			const byId = this.#byPersonId.get(member.personId) ?? [];
			if (byId.length > 1) return { kind: "ambiguous", slugs: byId.map((p) => p.slug), by: "person id" };
			const only = byId[0];
			if (only) return this.#matched(only, "person id", date, member.constituency);
		}
		const riding = foldName(member.constituency);
		const candidates = (this.#byName.get(foldName(`${member.firstName} ${member.lastName}`)) ?? []).filter(
			(p) => (!member.personId || !p.parlPersonId || p.parlPersonId === member.personId) && (this.#memberships.get(p.slug) ?? []).some((m) => foldName(m.ridingName) === riding)
		);
		if (candidates.length > 1) return { kind: "ambiguous", slugs: candidates.map((p) => p.slug), by: "name and riding" };
		const only = candidates[0];
		return only ? this.#matched(only, "name and riding", date, member.constituency) : { kind: "unmatched" };
	}

	#matched(p: Politician, by: "person id" | "name and riding", date: string | null, constituency: string): MemberMatch {
		return { kind: "matched", slug: p.slug, name: p.name, membershipId: date === null ? null : this.#membershipAt(p.slug, date, constituency), by, knownPersonId: p.parlPersonId };
	}

	/** The membership covering the date, the one in the record's riding first (a by-election can change it mid-session). */
	#membershipAt(slug: string, date: string, constituency: string): string | null {
		const covering = (this.#memberships.get(slug) ?? []).filter((m) => m.startDate <= date && (m.endDate === null || m.endDate >= date));
		const riding = foldName(constituency);
		return (covering.find((m) => foldName(m.ridingName) === riding) ?? covering[0])?.id ?? null;
	}
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
	const list = map.get(key);
	if (list) list.push(value);
	else map.set(key, [value]);
}
