/**
 * The auth schema's users and their credentials (password hash, TOTP secret and last step, recovery
 * codes). Handlers decide; this is where the SQL is. Every method reads the service's database when
 * called, so a store made at creation works once the database has come up.
 */
import type { Database } from "../../runtime/storage/database.ts";

export interface UserRow extends Record<string, unknown> {
	id: string;
	email: string;
	display_name: string;
	role: string;
	password_hash: string;
	disabled_at: Date | string | null;
	totp_secret: string | null;
	totp_pending_secret: string | null;
	totp_last_step: string | number | null;
}

export interface StoredRecoveryCode {
	hash: string;
	usedAt: number | null;
}

export class UsersStore {
	readonly #db: () => Database;

	constructor(db: () => Database) {
		this.#db = db;
	}

	/** `emailKey` is the normalised address (core/emails.ts). */
	async findByEmail(emailKey: string): Promise<UserRow | undefined> {
		const { rows } = await this.#db().query<UserRow>("SELECT * FROM auth.users WHERE lower(email) = $1", [emailKey]);
		return rows[0];
	}

	async findById(id: string): Promise<UserRow | undefined> {
		const { rows } = await this.#db().query<UserRow>("SELECT * FROM auth.users WHERE id = $1", [id]);
		return rows[0];
	}

	/** A new citizen, or undefined when the address is taken. */
	async insertCitizen(user: { id: string; email: string; displayName: string; passwordHash: string }): Promise<UserRow | undefined> {
		const { rows } = await this.#db().query<UserRow>(
			`INSERT INTO auth.users (id, email, display_name, role, password_hash) VALUES ($1, $2, $3, 'citizen', $4)
			 ON CONFLICT DO NOTHING RETURNING *`,
			[user.id, user.email, user.displayName, user.passwordHash]
		);
		return rows[0];
	}

	/** The first admin, only while the table is empty; true when this call created it. */
	async insertFirstAdmin(admin: { id: string; email: string; passwordHash: string }): Promise<boolean> {
		return this.#db().transaction(async (tx) => {
			// Two nodes starting together on an empty database must create one admin, not two.
			await tx.query("LOCK TABLE auth.users IN EXCLUSIVE MODE");
			const { rowCount } = await tx.query(
				`INSERT INTO auth.users (id, email, display_name, role, password_hash)
				 SELECT $1, $2, 'Administrator', 'admin', $3 WHERE NOT EXISTS (SELECT 1 FROM auth.users)`,
				[admin.id, admin.email, admin.passwordHash]
			);
			return rowCount === 1;
		});
	}

	async setPasswordHash(id: string, passwordHash: string): Promise<void> {
		await this.#db().query("UPDATE auth.users SET password_hash = $2, updated_at = now() WHERE id = $1", [id, passwordHash]);
	}

	/** Compare-and-set on the TOTP step: the same code sent twice at once is accepted once. */
	async advanceTotpStep(id: string, step: number): Promise<boolean> {
		const { rowCount } = await this.#db().query("UPDATE auth.users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)", [id, step]);
		return rowCount === 1;
	}

	async setPendingTotpSecret(id: string, secret: string): Promise<void> {
		await this.#db().query("UPDATE auth.users SET totp_pending_secret = $2, updated_at = now() WHERE id = $1", [id, secret]);
	}

	/** The pending secret becomes the second factor, with a fresh set of recovery codes, in one transaction. */
	async activateTotp(id: string, step: number, recoveryCodeHashes: readonly string[]): Promise<void> {
		await this.#db().transaction(async (tx) => {
			await tx.query("UPDATE auth.users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_last_step = $2, updated_at = now() WHERE id = $1", [id, step]);
			await tx.query("DELETE FROM auth.recovery_codes WHERE user_id = $1", [id]);
			for (const hash of recoveryCodeHashes) await tx.query("INSERT INTO auth.recovery_codes (user_id, code_hash) VALUES ($1, $2)", [id, hash]);
		});
	}

	async recoveryCodes(userId: string): Promise<StoredRecoveryCode[]> {
		const { rows } = await this.#db().query<{ code_hash: string; used_at: string | number | null }>("SELECT code_hash, used_at FROM auth.recovery_codes WHERE user_id = $1", [userId]);
		// int8 arrives as a string from pg and as a number from PGlite.
		return rows.map((r) => ({ hash: r.code_hash, usedAt: r.used_at === null ? null : Number(r.used_at) }));
	}

	/** Compare-and-set: a recovery code is spent once, however many requests race with it. */
	async spendRecoveryCode(userId: string, hash: string, at: number): Promise<boolean> {
		const { rowCount } = await this.#db().query("UPDATE auth.recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL", [userId, hash, at]);
		return rowCount === 1;
	}

	async list(limit: number, offset: number): Promise<UserRow[]> {
		const { rows } = await this.#db().query<UserRow>("SELECT * FROM auth.users ORDER BY created_at, id LIMIT $1 OFFSET $2", [limit, offset]);
		return rows;
	}

	async setRole(id: string, role: string): Promise<UserRow | undefined> {
		const { rows } = await this.#db().query<UserRow>("UPDATE auth.users SET role = $2, updated_at = now() WHERE id = $1 RETURNING *", [id, role]);
		return rows[0];
	}

	async disable(id: string): Promise<UserRow | undefined> {
		const { rows } = await this.#db().query<UserRow>("UPDATE auth.users SET disabled_at = COALESCE(disabled_at, now()), updated_at = now() WHERE id = $1 RETURNING *", [id]);
		return rows[0];
	}
}
