/** The SQL refresh-token store under the rotation rules, on PostgreSQL 15 and PGlite. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../runtime/storage/database.ts";
import { migrationSetOf } from "../../runtime/storage/migration-sets.ts";
import { applyMigrations } from "../../runtime/storage/migrations.ts";
import { BACKENDS, openTestDatabase } from "../../test/storage/test-databases.ts";
import { hashRefreshToken, issueRefreshToken, revokeRefreshToken, rotateRefreshToken } from "./core/refresh-tokens.ts";
import { SqlRefreshTokenStore } from "./sql-refresh-token-store.ts";

describe.each(BACKENDS)("SqlRefreshTokenStore on $name", (backend) => {
	let db: Database;
	let drop: () => Promise<void>;
	let store: SqlRefreshTokenStore;
	let clock = Date.UTC(2026, 10, 1);
	const now = (): number => clock;

	async function newUser(): Promise<string> {
		const id = randomUUID();
		await db.query("INSERT INTO auth.users (id, email, display_name, role, password_hash) VALUES ($1, $2, 'T', 'citizen', 'x')", [id, `${id}@example.test`]);
		return id;
	}

	beforeAll(async () => {
		({ db, drop } = await openTestDatabase(backend));
		await applyMigrations(db, [migrationSetOf("auth")], "refresh-store-test");
		store = new SqlRefreshTokenStore(db);
	});
	afterAll(async () => {
		await drop?.();
	});

	it("rotates, and a used token coming back revokes its whole family", async () => {
		const userId = await newUser();
		const first = await issueRefreshToken(store, userId, now);
		clock += 1_000;
		const second = await rotateRefreshToken(store, first.token, now);
		expect(second.outcome).toBe("rotated");
		if (second.outcome !== "rotated") return;
		// Times survive the round trip as numbers on both drivers (pg returns int8 as text).
		expect(await store.findByHash(hashRefreshToken(first.token))).toMatchObject({ usedAt: clock, revokedAt: null, userId });

		clock += 1_000;
		const replay = await rotateRefreshToken(store, first.token, now);
		expect(replay).toMatchObject({ outcome: "reuse-detected", userId, familyId: second.familyId, revokedCount: 2 });
		// The legitimate holder's newer token died with the family.
		expect(await rotateRefreshToken(store, second.token, now)).toMatchObject({ outcome: "revoked" });
	});

	it("lets exactly one of two racing rotations win; the other is reuse", async () => {
		const userId = await newUser();
		const issued = await issueRefreshToken(store, userId, now);
		const outcomes = await Promise.all([rotateRefreshToken(store, issued.token, now), rotateRefreshToken(store, issued.token, now)]);
		expect(outcomes.map((o) => o.outcome).sort()).toEqual(["reuse-detected", "rotated"]);
	});

	it("logout revokes the family, and revokeUser ends every session of a user", async () => {
		const userId = await newUser();
		const a = await issueRefreshToken(store, userId, now);
		const b = await issueRefreshToken(store, userId, now);
		expect(await revokeRefreshToken(store, a.token, now)).toMatchObject({ outcome: "logged-out", userId });
		expect(await rotateRefreshToken(store, a.token, now)).toMatchObject({ outcome: "revoked" });
		expect(await rotateRefreshToken(store, b.token, now)).toMatchObject({ outcome: "rotated" });
		const c = await issueRefreshToken(store, userId, now);
		expect(await store.revokeUser(userId, now())).toBeGreaterThanOrEqual(2);
		expect(await rotateRefreshToken(store, c.token, now)).toMatchObject({ outcome: "revoked" });
	});
});
