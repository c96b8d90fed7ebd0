/**
 * The auth actions' params and answers, one zod schema each (docs/decisions/0012-zod-action-schemas.md):
 * the validator, the handler's types and the OpenAPI document all read these.
 */
import { z } from "zod";
import { MAX_OFFSET, queryInt, text } from "../../runtime/validation/fields.ts";
import { zodParams } from "../../runtime/validation/zod-params.ts";
import { zodResponse } from "../../runtime/validation/zod-response.ts";
import { API_KEY_SCOPES, ROLES } from "../../access/roles.ts";
import { normalizeEmail } from "./core/emails.ts";

const password = text(1024, 1);
/** A sign-in challenge is 32 random bytes in base64url (43 characters); the bound leaves room. */
const challenge = text(100, 1);
const refreshToken = text(200, 1);

/**
 * An address is normalised (NFKC, trimmed, lower-cased: core/emails.ts) before its format is
 * checked, so a full-width or differently cased look-alike is the same address, not a second
 * account and not a format error.
 */
const newEmail = text(254, 1)
	.transform((raw, ctx) => {
		const normalized = normalizeEmail(raw);
		if (normalized.ok) return normalized.email;
		ctx.addIssue({ code: "custom", message: normalized.message });
		return z.NEVER;
	})
	.pipe(z.email());

export const RegisterParams = zodParams(
	z.strictObject({
		email: newEmail,
		password,
		// Trimmed before the length is checked, as fastest-validator's `trim` did.
		displayName: z.string().trim().min(1).max(100)
	})
);

export const LoginParams = zodParams(z.strictObject({ email: text(254, 1), password }));

export const MfaVerifyParams = zodParams(z.strictObject({ challenge, code: text(40, 1) }));

export const MfaEnrollParams = zodParams(z.strictObject({ challenge: challenge.optional() }));

export const MfaActivateParams = zodParams(z.strictObject({ challenge: challenge.optional(), code: text(20, 1) }));

export const RefreshTokenParams = zodParams(z.strictObject({ refreshToken }));

export const ChangePasswordParams = zodParams(z.strictObject({ currentPassword: password, newPassword: password }));

export const CreateApiKeyParams = zodParams(
	z.strictObject({
		name: z.string().trim().min(1).max(100),
		// Unknown scope names are answered by the handler with the grantable list (INVALID_SCOPES).
		scopes: z.array(text(64)).min(1).max(API_KEY_SCOPES.length + 10)
	})
);

export const ApiKeyIdParams = zodParams(z.strictObject({ id: z.uuid() }));

export const ResolveApiKeyParams = zodParams(z.strictObject({ key: text(200, 1) }));

export const ListUsersParams = zodParams(
	z.strictObject({
		limit: queryInt(1, 500).default(100),
		offset: queryInt(0, MAX_OFFSET).default(0)
	})
);

export const SetRoleParams = zodParams(z.strictObject({ id: z.uuid(), role: z.enum(ROLES) }));

export const UserIdParams = zodParams(z.strictObject({ id: z.uuid() }));

export const PublicUserSchema = z.object({
	id: z.string(),
	email: z.string(),
	displayName: z.string(),
	role: z.enum(ROLES),
	disabled: z.boolean(),
	mfaEnabled: z.boolean()
});
export type PublicUser = z.infer<typeof PublicUserSchema>;

export const TokenPairSchema = z.object({
	tokenType: z.literal("Bearer"),
	accessToken: z.string(),
	/** Milliseconds since the epoch. */
	accessTokenExpiresAt: z.number(),
	refreshToken: z.string(),
	user: PublicUserSchema
});
export type TokenPair = z.infer<typeof TokenPairSchema>;

export const MfaChallengeSchema = z.object({
	mfaRequired: z.literal(true),
	/** "verify": send a TOTP or recovery code to /mfa/verify; "enroll": enrol first (/mfa/enroll, /mfa/activate). */
	next: z.enum(["verify", "enroll"]),
	challenge: z.string(),
	expiresAt: z.number()
});
export type MfaChallenge = z.infer<typeof MfaChallengeSchema>;

export const UserResponse = zodResponse(PublicUserSchema);
export const RegisterResponse = zodResponse(z.object({ user: PublicUserSchema }));
export const LoginResponse = zodResponse(z.union([TokenPairSchema, MfaChallengeSchema]));
export const TokensResponse = zodResponse(TokenPairSchema);
export const MfaEnrollResponse = zodResponse(z.object({ secret: z.string(), otpauthUri: z.string() }));
export const MfaActivateResponse = zodResponse(z.object({ recoveryCodes: z.array(z.string()), tokens: TokenPairSchema.optional() }));
export const LogoutResponse = zodResponse(z.object({ loggedOut: z.boolean() }));
export const ChangePasswordResponse = zodResponse(z.object({ changed: z.literal(true) }));
export const CreatedApiKeyResponse = zodResponse(
	z.object({ id: z.string(), name: z.string(), prefix: z.string(), scopes: z.array(z.string()), key: z.string() })
);
const ApiKeySchema = z.object({
	id: z.string(),
	name: z.string(),
	prefix: z.string(),
	scopes: z.array(z.string()),
	createdBy: z.string().nullable(),
	createdAt: z.iso.datetime({ offset: true }),
	revokedAt: z.iso.datetime({ offset: true }).nullable(),
	lastUsedAt: z.iso.datetime({ offset: true }).nullable()
});
export const ApiKeyListResponse = zodResponse(z.array(ApiKeySchema));
export const RevokedResponse = zodResponse(z.object({ revoked: z.literal(true) }));
export const UserListResponse = zodResponse(z.object({ users: z.array(PublicUserSchema) }));
