import { describe, expect, it } from "vitest";
import { MemoryRefreshTokenStore } from "./memory-refresh-token-store.ts";
import {
	DEFAULT_REFRESH_TOKEN_SETTINGS,
	hashRefreshToken,
	issueRefreshToken,
	revokeRefreshToken,
	rotateRefreshToken
} from "./refresh-tokens.ts";
import type { RefreshOutcome } from "./refresh-tokens.ts";

const T0 = Date.UTC(2025, 10, 3, 14, 0, 0);
const DAY = 24 * 60 * 60 * 1000;
const at = (ms: number) => () => ms;

function rotatedToken(result: RefreshOutcome): string {
	if (result.outcome !== "rotated") throw new Error(`expected rotation, got ${result.outcome}`);
	return result.token;
}

describe("refresh tokens", () => {
	it("are 32 random bytes in base64url, and only their SHA-256 is stored", async () => {
		const store = new MemoryRefreshTokenStore();
		const { token, record } = await issueRefreshToken(store, "user-1", at(T0));
		expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(Buffer.from(token, "base64url")).toHaveLength(32);
		expect(record.tokenHash).toBe(hashRefreshToken(token));
		expect(JSON.stringify(store.snapshot())).not.toContain(token);
	});

	it("rotate on every use into the same family", async () => {
		const store = new MemoryRefreshTokenStore();
		const first = await issueRefreshToken(store, "user-1", at(T0));
		const second = await rotateRefreshToken(store, first.token, at(T0 + 1000));
		expect(second).toMatchObject({ outcome: "rotated", userId: "user-1", familyId: first.record.familyId });
		const secondToken = rotatedToken(second);
		expect(secondToken).not.toBe(first.token);
		const third = await rotateRefreshToken(store, secondToken, at(T0 + 2000));
		expect(third).toMatchObject({ outcome: "rotated", familyId: first.record.familyId });
	});

	it("revoke the whole family when a used token is presented again", async () => {
		const store = new MemoryRefreshTokenStore();
		const stolen = await issueRefreshToken(store, "user-1", at(T0));
		const legit = rotatedToken(await rotateRefreshToken(store, stolen.token, at(T0 + 1000)));
		const replay = await rotateRefreshToken(store, stolen.token, at(T0 + 2000));
		expect(replay).toEqual({ outcome: "reuse-detected", userId: "user-1", familyId: stolen.record.familyId, revokedCount: 2 });
		// The newest token of the family, held by whoever rotated last, is dead too.
		expect(await rotateRefreshToken(store, legit, at(T0 + 3000))).toMatchObject({ outcome: "revoked" });
	});

	it("still report reuse when a used token comes back after it would have expired", async () => {
		const store = new MemoryRefreshTokenStore();
		const settings = { ttlMs: DAY, familyTtlMs: 30 * DAY };
		const old = await issueRefreshToken(store, "user-1", at(T0), settings);
		await rotateRefreshToken(store, old.token, at(T0 + 1000), settings);
		expect(await rotateRefreshToken(store, old.token, at(T0 + 2 * DAY), settings)).toMatchObject({ outcome: "reuse-detected" });
	});

	it("treat the loser of a concurrent race on one token as reuse", async () => {
		const store = new MemoryRefreshTokenStore();
		const { token } = await issueRefreshToken(store, "user-1", at(T0));
		const results = await Promise.all([rotateRefreshToken(store, token, at(T0 + 1)), rotateRefreshToken(store, token, at(T0 + 1))]);
		expect(results.map((r) => r.outcome).sort()).toEqual(["reuse-detected", "rotated"]);
	});

	it("leave other families alone when one is revoked", async () => {
		const store = new MemoryRefreshTokenStore();
		const phone = await issueRefreshToken(store, "user-1", at(T0));
		const laptop = await issueRefreshToken(store, "user-1", at(T0));
		await rotateRefreshToken(store, phone.token, at(T0 + 1));
		await rotateRefreshToken(store, phone.token, at(T0 + 2));
		expect(await rotateRefreshToken(store, laptop.token, at(T0 + 3))).toMatchObject({ outcome: "rotated" });
	});

	it("stop working at logout, for the token in hand and its family", async () => {
		const store = new MemoryRefreshTokenStore();
		const first = await issueRefreshToken(store, "user-1", at(T0));
		const current = rotatedToken(await rotateRefreshToken(store, first.token, at(T0 + 1)));
		expect(await revokeRefreshToken(store, current, at(T0 + 2))).toEqual({
			outcome: "logged-out",
			userId: "user-1",
			familyId: first.record.familyId
		});
		expect(await rotateRefreshToken(store, current, at(T0 + 3))).toMatchObject({ outcome: "revoked" });
		expect(await revokeRefreshToken(store, "x".repeat(43), at(T0 + 4))).toEqual({ outcome: "invalid" });
	});

	it("expire after their lifetime, and a family cannot be rotated past its own", async () => {
		const store = new MemoryRefreshTokenStore();
		const settings = { ttlMs: 10 * DAY, familyTtlMs: 15 * DAY };
		const { token } = await issueRefreshToken(store, "user-1", at(T0), settings);
		expect(await rotateRefreshToken(store, token, at(T0 + 10 * DAY), settings)).toMatchObject({ outcome: "expired" });

		const fresh = await issueRefreshToken(store, "user-2", at(T0), settings);
		const rotated = await rotateRefreshToken(store, fresh.token, at(T0 + 9 * DAY), settings);
		expect(rotated).toMatchObject({ outcome: "rotated", record: { expiresAt: T0 + 15 * DAY } });
		expect(await rotateRefreshToken(store, rotatedToken(rotated), at(T0 + 15 * DAY), settings)).toMatchObject({ outcome: "expired" });
		expect(DEFAULT_REFRESH_TOKEN_SETTINGS.ttlMs).toBeLessThanOrEqual(DEFAULT_REFRESH_TOKEN_SETTINGS.familyTtlMs);
	});

	it("answer invalid for unknown or malformed tokens without touching the store", async () => {
		const store = new MemoryRefreshTokenStore();
		await issueRefreshToken(store, "user-1", at(T0));
		expect(await rotateRefreshToken(store, "A".repeat(43), at(T0))).toEqual({ outcome: "invalid" });
		expect(await rotateRefreshToken(store, "short", at(T0))).toEqual({ outcome: "invalid" });
		expect(store.snapshot().every((r) => r.usedAt === null && r.revokedAt === null)).toBe(true);
	});
});
