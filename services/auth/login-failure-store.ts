/**
 * Failed sign-ins per account (the lockout's memory). Times are milliseconds of the service's clock.
 */
import type { Database } from "../../runtime/storage/database.ts";

/** Not booked: `refusal` found a reason (the account is locked), and the attempt was not counted. */
export type BookedAttempt<R> = { booked: false; refusal: R } | { booked: true; failures: number[] };

export class LoginFailureStore {
	readonly #db: () => Database;

	constructor(db: () => Database) {
		this.#db = db;
	}

	/**
	 * Books an attempt as a failure before its password is checked, under a per-account advisory
	 * lock: parallel guesses for one account queue on the lock and each sees the attempts booked
	 * before it, so no more than the free failures get a password check before the lockout answers.
 * `failures` are those within the window before this attempt.
	 * The lock is held only for these few statements, not for the password check.
	 */
	async bookAttempt<R>(emailKey: string, at: number, windowMs: number, refusal: (failures: readonly number[]) => R | undefined): Promise<BookedAttempt<R>> {
		return this.#db().transaction(async (tx) => {
			await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`auth.login:${emailKey}`]);
			const { rows } = await tx.query<{ at: string | number }>("SELECT at FROM auth.login_failures WHERE email_key = $1 AND at > $2", [emailKey, at - windowMs]);
			const failures = rows.map((r) => Number(r.at));
			const refused = refusal(failures);
			if (refused !== undefined) return { booked: false, refusal: refused };
			await tx.query("DELETE FROM auth.login_failures WHERE at <= $1", [at - windowMs]);
			await tx.query("INSERT INTO auth.login_failures (email_key, at) VALUES ($1, $2)", [emailKey, at]);
			return { booked: true, failures };
		});
	}

	/** A success forgives the typos, and takes back the failure booked for itself. */
	async forgive(emailKey: string): Promise<void> {
		await this.#db().query("DELETE FROM auth.login_failures WHERE email_key = $1", [emailKey]);
	}
}
