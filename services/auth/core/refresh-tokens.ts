/**
 * Rotating refresh tokens with reuse detection (OAuth 2.0 Security BCP, section 4.14).
 *
 * A token is 32 random bytes shown to the client once; only its SHA-256 is stored, which is enough for
 * a secret of that entropy and lets lookup be an index hit. Every use marks the token used and issues
 * a successor in the same family. A used token coming back means two parties hold the family (one of
 * them a thief), so the whole family is revoked and both must sign in again.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";

export interface RefreshTokenRecord {
	tokenHash: string;
	familyId: string;
	userId: string;
	/** All times are milliseconds since the epoch. */
	issuedAt: number;
	expiresAt: number;
	/** No rotation extends a family past this, so a stolen family dies on its own. */
	familyExpiresAt: number;
	usedAt: number | null;
	revokedAt: number | null;
}

/**
 * What the rotation needs from storage. `markUsed` must be an atomic compare-and-set
 * (`UPDATE ... SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL`): when two requests race
 * with one token, exactly one gets `true` and the other is treated as reuse.
 */
export interface RefreshTokenStore {
	insert(record: RefreshTokenRecord): Promise<void>;
	findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
	markUsed(tokenHash: string, usedAt: number): Promise<boolean>;
	/** Revokes every not-yet-revoked token of the family; returns how many it revoked. */
	revokeFamily(familyId: string, revokedAt: number): Promise<number>;
}

export interface RefreshTokenSettings {
	/** How long one token stays usable without being rotated. */
	ttlMs: number;
	/** How long a family lives from sign-in, however often it is rotated. */
	familyTtlMs: number;
}

export const DEFAULT_REFRESH_TOKEN_SETTINGS: Readonly<RefreshTokenSettings> = Object.freeze({
	ttlMs: 14 * 24 * 60 * 60 * 1000,
	familyTtlMs: 90 * 24 * 60 * 60 * 1000
});

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function generateRefreshToken(): string {
	return randomBytes(32).toString("base64url");
}

export function hashRefreshToken(token: string): string {
	return createHash("sha256").update(token, "utf8").digest("hex");
}

export interface IssuedRefreshToken {
	/** Give this to the client; it is not stored anywhere. */
	token: string;
	record: RefreshTokenRecord;
}

async function issueInFamily(
	store: RefreshTokenStore,
	family: { familyId: string; userId: string; familyExpiresAt: number },
	now: number,
	settings: RefreshTokenSettings
): Promise<IssuedRefreshToken> {
	const token = generateRefreshToken();
	const record: RefreshTokenRecord = {
		tokenHash: hashRefreshToken(token),
		familyId: family.familyId,
		userId: family.userId,
		issuedAt: now,
		expiresAt: Math.min(now + settings.ttlMs, family.familyExpiresAt),
		familyExpiresAt: family.familyExpiresAt,
		usedAt: null,
		revokedAt: null
	};
	await store.insert(record);
	return { token, record };
}

/** Starts a new family at sign-in. */
export function issueRefreshToken(
	store: RefreshTokenStore,
	userId: string,
	now: () => number = Date.now,
	settings: RefreshTokenSettings = DEFAULT_REFRESH_TOKEN_SETTINGS
): Promise<IssuedRefreshToken> {
	const at = now();
	return issueInFamily(store, { familyId: randomUUID(), userId, familyExpiresAt: at + settings.familyTtlMs }, at, settings);
}

export type RefreshOutcome =
	| { outcome: "rotated"; userId: string; familyId: string; token: string; record: RefreshTokenRecord }
	/** Worth an audit event: a used token came back and its family was revoked. */
	| { outcome: "reuse-detected"; userId: string; familyId: string; revokedCount: number }
	| { outcome: "revoked"; userId: string; familyId: string }
	| { outcome: "expired"; userId: string; familyId: string }
	| { outcome: "invalid" };

export async function rotateRefreshToken(
	store: RefreshTokenStore,
	presented: string,
	now: () => number = Date.now,
	settings: RefreshTokenSettings = DEFAULT_REFRESH_TOKEN_SETTINGS
): Promise<RefreshOutcome> {
	if (!TOKEN_PATTERN.test(presented)) return { outcome: "invalid" };
	const record = await store.findByHash(hashRefreshToken(presented));
	if (!record) return { outcome: "invalid" };
	const at = now();
	const { userId, familyId } = record;

	if (record.revokedAt !== null) return { outcome: "revoked", userId, familyId };
	const reuse = async (): Promise<RefreshOutcome> => ({
		outcome: "reuse-detected",
		userId,
		familyId,
		revokedCount: await store.revokeFamily(familyId, at)
	});
	if (record.usedAt !== null) return reuse();
	if (at >= record.expiresAt) return { outcome: "expired", userId, familyId };
	if (!(await store.markUsed(record.tokenHash, at))) return reuse();

	const next = await issueInFamily(store, record, at, settings);
	return { outcome: "rotated", userId, familyId, ...next };
}

export type LogoutOutcome = { outcome: "logged-out"; userId: string; familyId: string } | { outcome: "invalid" };

/** Logout ends the whole session (the family), not just the token in hand. */
export async function revokeRefreshToken(
	store: RefreshTokenStore,
	presented: string,
	now: () => number = Date.now
): Promise<LogoutOutcome> {
	if (!TOKEN_PATTERN.test(presented)) return { outcome: "invalid" };
	const record = await store.findByHash(hashRefreshToken(presented));
	if (!record) return { outcome: "invalid" };
	await store.revokeFamily(record.familyId, now());
	return { outcome: "logged-out", userId: record.userId, familyId: record.familyId };
}
