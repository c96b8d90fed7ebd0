/** `RefreshTokenStore` in a Map, for tests and single-process tools; it honours the same contract as the SQL store. */
import type { RefreshTokenRecord, RefreshTokenStore } from "./refresh-tokens.ts";

export class MemoryRefreshTokenStore implements RefreshTokenStore {
	readonly #records = new Map<string, RefreshTokenRecord>();

	insert(record: RefreshTokenRecord): Promise<void> {
		if (this.#records.has(record.tokenHash)) return Promise.reject(new Error("duplicate refresh token hash"));
		this.#records.set(record.tokenHash, { ...record });
		return Promise.resolve();
	}

	findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
		const record = this.#records.get(tokenHash);
		return Promise.resolve(record ? { ...record } : undefined);
	}

	markUsed(tokenHash: string, usedAt: number): Promise<boolean> {
		const record = this.#records.get(tokenHash);
		if (!record || record.usedAt !== null) return Promise.resolve(false);
		record.usedAt = usedAt;
		return Promise.resolve(true);
	}

	revokeFamily(familyId: string, revokedAt: number): Promise<number> {
		let count = 0;
		for (const record of this.#records.values()) {
			if (record.familyId === familyId && record.revokedAt === null) {
				record.revokedAt = revokedAt;
				count++;
			}
		}
		return Promise.resolve(count);
	}

	/** Everything stored, for tests that check nothing but hashes is kept. */
	snapshot(): RefreshTokenRecord[] {
		return [...this.#records.values()].map((record) => ({ ...record }));
	}
}
