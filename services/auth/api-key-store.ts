/**
 * API keys as stored: the lookup prefix in clear, a SHA-256 of the whole key, the scopes; never the key.
 */
import type { Database } from "../../runtime/storage/database.ts";

export interface ApiKeyRow extends Record<string, unknown> {
	id: string;
	name: string;
	prefix: string;
	scopes: string[];
	created_by: string | null;
	created_at: Date | string;
	revoked_at: Date | string | null;
	last_used_at: Date | string | null;
}

export class ApiKeyStore {
	readonly #db: () => Database;

	constructor(db: () => Database) {
		this.#db = db;
	}

	async insert(key: { id: string; prefix: string; hash: string; name: string; scopes: readonly string[]; createdBy: string | null }): Promise<void> {
		await this.#db().query("INSERT INTO auth.api_keys (id, prefix, key_hash, name, scopes, created_by) VALUES ($1, $2, $3, $4, $5, $6)", [
			key.id,
			key.prefix,
			key.hash,
			key.name,
			key.scopes,
			key.createdBy
		]);
	}

	async list(): Promise<ApiKeyRow[]> {
		const { rows } = await this.#db().query<ApiKeyRow>("SELECT id, name, prefix, scopes, created_by, created_at, revoked_at, last_used_at FROM auth.api_keys ORDER BY created_at DESC");
		return rows;
	}

	/** True when an active key was revoked by this call. */
	async revoke(id: string): Promise<boolean> {
		const { rowCount } = await this.#db().query("UPDATE auth.api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [id]);
		return rowCount === 1;
	}

	async findActiveByPrefix(prefix: string): Promise<{ id: string; key_hash: string; scopes: string[] } | undefined> {
		const { rows } = await this.#db().query<{ id: string; key_hash: string; scopes: string[] }>("SELECT id, key_hash, scopes FROM auth.api_keys WHERE prefix = $1 AND revoked_at IS NULL", [prefix]);
		return rows[0];
	}

	/** Notes the key's use, at most once per `intervalMs`, so a busy key does not write on every request. */
	async touch(id: string, intervalMs: number): Promise<void> {
		await this.#db().query("UPDATE auth.api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))", [id, intervalMs / 1000]);
	}
}
