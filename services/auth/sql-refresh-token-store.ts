/**
 * RefreshTokenStore on the auth schema (PostgreSQL or PGlite). `markUsed` is one conditional UPDATE,
 * so of two requests racing with the same token exactly one rotates it and the other is reuse.
 */
import type { SqlExecutor } from "../../runtime/storage/database.ts";
import type { RefreshTokenRecord, RefreshTokenStore } from "./core/refresh-tokens.ts";

interface Row extends Record<string, unknown> {
	token_hash: string;
	family_id: string;
	user_id: string;
	issued_at: string | number;
	expires_at: string | number;
	family_expires_at: string | number;
	used_at: string | number | null;
	revoked_at: string | number | null;
}

/** int8 arrives as a string from pg and as a number from PGlite (measured on the project's machines). */
function ms(value: string | number | null): number | null {
	return value === null ? null : Number(value);
}

export class SqlRefreshTokenStore implements RefreshTokenStore {
	readonly #db: SqlExecutor;

	constructor(db: SqlExecutor) {
		this.#db = db;
	}

	async insert(r: RefreshTokenRecord): Promise<void> {
		await this.#db.query(
			`INSERT INTO auth.refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at, family_expires_at, used_at, revoked_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			[r.tokenHash, r.familyId, r.userId, r.issuedAt, r.expiresAt, r.familyExpiresAt, r.usedAt, r.revokedAt]
		);
	}

	async findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
		const { rows } = await this.#db.query<Row>("SELECT * FROM auth.refresh_tokens WHERE token_hash = $1", [tokenHash]);
		const row = rows[0];
		if (!row) return undefined;
		return {
			tokenHash: row.token_hash,
			familyId: row.family_id,
			userId: row.user_id,
			issuedAt: Number(row.issued_at),
			expiresAt: Number(row.expires_at),
			familyExpiresAt: Number(row.family_expires_at),
			usedAt: ms(row.used_at),
			revokedAt: ms(row.revoked_at)
		};
	}

	async markUsed(tokenHash: string, usedAt: number): Promise<boolean> {
		const { rowCount } = await this.#db.query("UPDATE auth.refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL", [tokenHash, usedAt]);
		return rowCount === 1;
	}

	async revokeFamily(familyId: string, revokedAt: number): Promise<number> {
		const { rowCount } = await this.#db.query("UPDATE auth.refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL", [familyId, revokedAt]);
		return rowCount;
	}

	/** Ends every session of a user (password change, role change, disabling). */
	async revokeUser(userId: string, revokedAt: number): Promise<number> {
		const { rowCount } = await this.#db.query("UPDATE auth.refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL", [userId, revokedAt]);
		return rowCount;
	}
}
