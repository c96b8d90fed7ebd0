/**
 * Second-factor challenges between a password and its code, stored by the SHA-256 of the
 * challenge (the challenge itself goes only to the client). Times are milliseconds of the service's clock.
 */
import type { Database } from "../../runtime/storage/database.ts";

export type ChallengePurpose = "verify" | "enroll";

export class MfaChallengeStore {
	readonly #db: () => Database;

	constructor(db: () => Database) {
		this.#db = db;
	}

	/** Stores a new challenge, and drops the expired ones on the way. */
	async create(challenge: { hash: string; userId: string; purpose: ChallengePurpose; expiresAt: number }, now: number): Promise<void> {
		await this.#db().query("DELETE FROM auth.mfa_challenges WHERE expires_at < $1", [now]);
		await this.#db().query("INSERT INTO auth.mfa_challenges (challenge_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)", [
			challenge.hash,
			challenge.userId,
			challenge.purpose,
			challenge.expiresAt
		]);
	}

	/** Counts an attempt on a live, unused challenge with attempts left, and returns its user id. */
	async attempt(hash: string, purpose: ChallengePurpose, now: number, maxAttempts: number): Promise<string | undefined> {
		const { rows } = await this.#db().query<{ user_id: string }>(
			`UPDATE auth.mfa_challenges SET attempts = attempts + 1
			 WHERE challenge_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 AND attempts < $4
			 RETURNING user_id`,
			[hash, purpose, now, maxAttempts]
		);
		return rows[0]?.user_id;
	}

	/** Compare-and-set: true for the one request that completes the challenge. */
	async complete(hash: string, now: number): Promise<boolean> {
		const { rowCount } = await this.#db().query("UPDATE auth.mfa_challenges SET used_at = $2 WHERE challenge_hash = $1 AND used_at IS NULL", [hash, now]);
		return rowCount === 1;
	}
}
