/**
 * Where the history of transitions lives: `MemoryTransitionLog` (a bounded ring), or the database
 * (`DbTransitionLog`, which keeps a ring too for when the database is away).
 */
import type { Transition, TransitionKind } from "./health.contract.ts";

export interface TransitionQuery {
	/** Newest first, at most this many. */
	limit: number;
	kind?: TransitionKind;
	id?: string;
}

export interface TransitionLog {
	/**
	 * `shared` is false when another health replica announces (and so records) the same change:
	 * a log shared by all replicas (the database) skips it; a private one keeps it.
	 */
	append(transition: Transition, shared?: boolean): Promise<void>;
	list(query: TransitionQuery): Promise<Transition[]>;
}

export const DEFAULT_HISTORY_CAPACITY = 1_000;

/** A bounded ring: the oldest transition is dropped once `capacity` are kept. */
export class MemoryTransitionLog implements TransitionLog {
	private readonly ring: (Transition | undefined)[];
	private next = 0;
	private size = 0;

	constructor(capacity = DEFAULT_HISTORY_CAPACITY) {
		if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number above 0, got ${capacity}`);
		this.ring = new Array<Transition | undefined>(capacity);
	}

	append(transition: Transition): Promise<void> {
		this.ring[this.next] = transition;
		this.next = (this.next + 1) % this.ring.length;
		this.size = Math.min(this.size + 1, this.ring.length);
		return Promise.resolve();
	}

	list(query: TransitionQuery): Promise<Transition[]> {
		const found: Transition[] = [];
		for (let i = 1; i <= this.size && found.length < query.limit; i++) {
			const t = this.ring[(this.next - i + this.ring.length) % this.ring.length];
			if (!t) continue;
			if (query.kind && t.kind !== query.kind) continue;
			if (query.id && t.id !== query.id) continue;
			found.push(t);
		}
		return Promise.resolve(found);
	}
}
