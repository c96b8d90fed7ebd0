/**
 * `auth`: users, roles, credentials and tokens (issue 4). Routes under /api/v1/auth.
 *
 * Sign-in: password (argon2id, lockout per email, no enumeration) → tokens, or for operator and
 * admin an MFA challenge → /mfa/verify with a TOTP or recovery code → tokens. An operator or admin
 * without a second factor yet gets an enrolment challenge instead and must enrol (/mfa/enroll,
 * /mfa/activate) before any token is issued, so the second factor is never optional for them.
 *
 * The pure rules live in ./core (tested there); this file stores their state and writes the audit
 * log (document store) for every security event. Every time is read from `options.now`.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Context, Service, ServiceSchema } from "moleculer";
import { Errors } from "moleculer";
import { DbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { HealthMixin, addHealthCheck } from "../../mixins/health.mixin.ts";
import { principalOf } from "../../access/principal.ts";
import { type Env, loadEnv } from "../../runtime/env.ts";
import type { DatabaseConfig } from "../../runtime/storage/database.ts";
import { databaseConfigFromEnv } from "../../runtime/storage/database-config.ts";
import type { AuditEventInput, DocumentStore } from "../../runtime/storage/document-store.ts";
import { openDocumentStore } from "../../runtime/storage/open-document-store.ts";
import { API_KEY_REVOKED_EVENT } from "./auth.contract.ts";
import { incrementMetric } from "../../runtime/platform-metrics.ts";
import { ApiKeyScopeError, createApiKey, verifyApiKey } from "./core/api-keys.ts";
import { apiKeyPrefix } from "../../access/api-key-format.ts";
import { type JwtKeyring } from "../../access/jwt.ts";
import { issueAccessToken } from "./core/issue-access-token.ts";
import { JWT_SETTINGS } from "../../access/keyring-from-env.ts";
import { signingKeyringFromEnv } from "./core/issue-access-token.ts";
import { DEFAULT_LOCKOUT_POLICY, lockoutState } from "./core/lockout.ts";
import { normalizeEmail } from "./core/emails.ts";
import { checkPasswordPolicy } from "./core/password-policy.ts";
import { hashPassword, needsRehash, verifyPasswordOrDummy } from "./core/passwords.ts";
import { createRecoveryCodes, redeemRecoveryCode } from "./core/recovery-codes.ts";
import { issueRefreshToken, revokeRefreshToken, rotateRefreshToken } from "./core/refresh-tokens.ts";
import { API_KEY_SCOPES, type Principal, isRole, requiresSecondFactor } from "../../access/roles.ts";
import { generateTotpSecret, totpUri, verifyTotp } from "./core/totp.ts";
import { SqlRefreshTokenStore } from "./sql-refresh-token-store.ts";
import { NoParams, type ParamsOf } from "../../runtime/validation/zod-params.ts";
import type { ResultOf } from "../../runtime/validation/zod-response.ts";
import {
	ApiKeyIdParams,
	ApiKeyListResponse,
	ChangePasswordParams,
	ChangePasswordResponse,
	CreateApiKeyParams,
	CreatedApiKeyResponse,
	ListUsersParams,
	LoginParams,
	LoginResponse,
	LogoutResponse,
	type MfaChallenge,
	MfaActivateParams,
	MfaActivateResponse,
	MfaEnrollParams,
	MfaEnrollResponse,
	MfaVerifyParams,
	type PublicUser,
	RefreshTokenParams,
	RegisterParams,
	RegisterResponse,
	ResolveApiKeyParams,
	RevokedResponse,
	SetRoleParams,
	type TokenPair,
	TokensResponse,
	UserIdParams,
	UserListResponse,
	UserResponse
} from "./auth.params.ts";

/** An MFA challenge lives long enough to open an authenticator app, and allows a few typos. */
const CHALLENGE_TTL_MS = 5 * 60_000;
const CHALLENGE_MAX_ATTEMPTS = 5;
/** last_used_at of an API key is written at most this often, not on every request. */
const KEY_USE_WRITE_INTERVAL_MS = 60_000;

export interface AuthServiceOptions {
	env?: Env;
	database?: DatabaseConfig;
	/** The clock of tokens, lockout, TOTP and challenges; tests move it. */
	now?: () => number;
}

interface UserRow extends Record<string, unknown> {
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

export type { MfaChallenge, PublicUser, TokenPair };

interface ApiKeyRow extends Record<string, unknown> {
	id: string;
	name: string;
	prefix: string;
	scopes: string[];
	created_by: string | null;
	created_at: Date | string;
	revoked_at: Date | string | null;
	last_used_at: Date | string | null;
}

function isoTime(value: Date | string): string {
	return new Date(value).toISOString();
}

interface AuthState {
	env: Env;
	now: () => number;
	keyring: JwtKeyring;
	tokens: SqlRefreshTokenStore | undefined;
	documents: DocumentStore | undefined;
	documentsOpened: Promise<void>;
}

type AuthThis = Service;

/** DbMixin adds these at creation; Moleculer's `this` type cannot know it. */
function dbOf(service: Service): DbService {
	return service as unknown as DbService;
}
const states = new WeakMap<Service, AuthState>();

function stateOf(service: Service): AuthState {
	const state = states.get(service);
	if (!state) throw new Error("auth service used before created");
	return state;
}

const { MoleculerClientError } = Errors;

function clientError(status: number, type: string, message: string, data?: unknown): Errors.MoleculerClientError {
	return new MoleculerClientError(message, status, type, data);
}

/** The stored and looked-up form of an address (core/emails.ts); 422 for one no account can have. */
function emailKey(email: string): string {
	const normalized = normalizeEmail(email);
	if (!normalized.ok) throw clientError(422, "INVALID_EMAIL", normalized.message);
	return normalized.email;
}

function sha256(text: string): string {
	return createHash("sha256").update(text).digest("hex");
}

function publicUser(row: UserRow): PublicUser {
	return {
		id: row.id,
		email: row.email,
		displayName: row.display_name,
		role: isRole(row.role) ? row.role : "citizen",
		disabled: row.disabled_at !== null,
		mfaEnabled: row.totp_secret !== null
	};
}

function actorOf(principal: Principal | undefined): string {
	if (!principal) return "system";
	if (principal.kind === "user") return `user:${principal.userId}`;
	if (principal.kind === "api-key") return `key:${principal.keyId}`;
	return "anonymous";
}

function userIdOf(ctx: Context): string {
	const principal = principalOf(ctx.meta);
	if (principal?.kind !== "user") throw clientError(401, "UNAUTHORIZED", "Sign in to use this route");
	return principal.userId;
}

function tokensOf(state: AuthState): SqlRefreshTokenStore {
	if (!state.tokens) throw clientError(503, "SERVICE_UNAVAILABLE", "The auth database is not ready yet");
	return state.tokens;
}

/** The moments where a wrong answer must cost the same for everyone: one message, no detail. */
const INVALID_CREDENTIALS = (): Errors.MoleculerClientError => clientError(401, "INVALID_CREDENTIALS", "Email or password is wrong");

export function AuthService(options: AuthServiceOptions = {}): ServiceSchema {
	const env = options.env ?? loadEnv();
	const now = options.now ?? Date.now;
	const dbOptions = { ...(options.database ? { database: options.database } : {}), env };

	/** Appends to the audit log; a failure to record is logged loudly but does not undo the event. */
	async function audit(service: Service, ctx: Context | undefined, event: Omit<AuditEventInput, "actor" | "requestId" | "at"> & { actor?: string }): Promise<void> {
		const state = stateOf(service);
		await state.documentsOpened;
		const entry: AuditEventInput = {
			actor: event.actor ?? actorOf(ctx ? principalOf(ctx.meta) : undefined),
			action: event.action,
			...(event.target !== undefined ? { target: event.target } : {}),
			...(ctx?.requestID ? { requestId: ctx.requestID } : {}),
			data: { ...event.data, ...(ctx && typeof ctx.meta === "object" && ctx.meta !== null && "clientIp" in ctx.meta ? { ip: (ctx.meta as { clientIp?: unknown }).clientIp } : {}) },
			at: new Date(now())
		};
		try {
			if (!state.documents) throw new Error("document store not open");
			await state.documents.appendAudit(entry);
		} catch (err) {
			service.logger.error(`Audit event ${event.action} not recorded: ${err instanceof Error ? err.message : String(err)}`, entry);
		}
	}

	async function findUserByEmail(service: AuthThis, email: string): Promise<UserRow | undefined> {
		const { rows } = await dbOf(service).db.query<UserRow>("SELECT * FROM auth.users WHERE lower(email) = $1", [emailKey(email)]);
		return rows[0];
	}

	async function findUser(service: AuthThis, id: string): Promise<UserRow | undefined> {
		const { rows } = await dbOf(service).db.query<UserRow>("SELECT * FROM auth.users WHERE id = $1", [id]);
		return rows[0];
	}

	async function issueTokens(service: AuthThis, user: UserRow): Promise<TokenPair> {
		const state = stateOf(service);
		const role = publicUser(user).role;
		const access = issueAccessToken(state.keyring, JWT_SETTINGS, { sub: user.id, role }, now);
		const refresh = await issueRefreshToken(tokensOf(state), user.id, now);
		return { tokenType: "Bearer", accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: refresh.token, user: publicUser(user) };
	}

	async function createChallenge(service: AuthThis, userId: string, purpose: "verify" | "enroll"): Promise<MfaChallenge> {
		const challenge = randomBytes(32).toString("base64url");
		const expiresAt = now() + CHALLENGE_TTL_MS;
		await dbOf(service).db.query("DELETE FROM auth.mfa_challenges WHERE expires_at < $1", [now()]);
		await dbOf(service).db.query("INSERT INTO auth.mfa_challenges (challenge_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)", [
			sha256(challenge),
			userId,
			purpose,
			expiresAt
		]);
		return { mfaRequired: true, next: purpose, challenge, expiresAt };
	}

	/** Counts an attempt on a live challenge and returns its user; any other case is one 401. */
	async function useChallenge(service: AuthThis, challenge: string, purpose: "verify" | "enroll"): Promise<UserRow> {
		const { rows } = await dbOf(service).db.query<{ user_id: string }>(
			`UPDATE auth.mfa_challenges SET attempts = attempts + 1
			 WHERE challenge_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 AND attempts < $4
			 RETURNING user_id`,
			[sha256(challenge), purpose, now(), CHALLENGE_MAX_ATTEMPTS]
		);
		const user = rows[0] ? await findUser(service, rows[0].user_id) : undefined;
		if (!user || user.disabled_at !== null) throw clientError(401, "MFA_CHALLENGE_INVALID", "The sign-in challenge is invalid or expired; sign in again");
		return user;
	}

	/** Compare-and-set: a challenge completes once, however many requests race with it. */
	async function completeChallenge(service: AuthThis, challenge: string): Promise<void> {
		const { rowCount } = await dbOf(service).db.query("UPDATE auth.mfa_challenges SET used_at = $2 WHERE challenge_hash = $1 AND used_at IS NULL", [sha256(challenge), now()]);
		if (rowCount !== 1) throw clientError(401, "MFA_CHALLENGE_INVALID", "The sign-in challenge was already used; sign in again");
	}

	/** The user a request for enrolment is about: the signed-in user, or the one an enrolment challenge names. */
	async function enrollingUser(service: AuthThis, ctx: Context<ParamsOf<typeof MfaEnrollParams>>): Promise<UserRow> {
		const principal = principalOf(ctx.meta);
		if (principal?.kind === "user") {
			const user = await findUser(service, principal.userId);
			if (!user) throw clientError(404, "NOT_FOUND", "This account no longer exists");
			if (user.disabled_at !== null) throw clientError(403, "ACCOUNT_DISABLED", "This account is disabled");
			return user;
		}
		if (ctx.params.challenge === undefined) throw clientError(400, "CHALLENGE_REQUIRED", "Sign in, or send the enrolment challenge that login returned");
		return useChallenge(service, ctx.params.challenge, "enroll");
	}

	async function createFirstAdmin(service: AuthThis): Promise<void> {
		if (!env.adminEmail || !env.adminPassword) return;
		const adminEmail = normalizeEmail(env.adminEmail);
		if (!adminEmail.ok) {
			service.logger.error(`ADMIN_EMAIL refused: ${adminEmail.message}`);
			return;
		}
		const policy = checkPasswordPolicy(env.adminPassword, { email: adminEmail.email });
		if (!policy.ok) {
			service.logger.error(`ADMIN_PASSWORD refused: ${policy.problems.map((p) => p.message).join(" ")}`);
			return;
		}
		const hash = await hashPassword(env.adminPassword);
		const created = await dbOf(service).db.transaction(async (tx) => {
			// Two nodes starting together on an empty database must create one admin, not two.
			await tx.query("LOCK TABLE auth.users IN EXCLUSIVE MODE");
			const { rowCount } = await tx.query(
				`INSERT INTO auth.users (id, email, display_name, role, password_hash)
				 SELECT $1, $2, 'Administrator', 'admin', $3 WHERE NOT EXISTS (SELECT 1 FROM auth.users)`,
				[randomUUID(), adminEmail.email, hash]
			);
			return rowCount === 1;
		});
		if (created) {
			service.logger.info(`Created the first admin ${env.adminEmail}; they enrol a second factor at first sign-in`);
			await audit(service, undefined, { action: "user.bootstrap-admin", target: env.adminEmail ?? "" });
		}
	}

	return {
		name: "auth",
		mixins: [DbMixin(dbOptions), HealthMixin()],
		settings: { rest: "/auth" },

		actions: {
			register: {
				visibility: "published",
				rest: "POST /register",
				permissions: ["public"],
				params: RegisterParams,
				response: RegisterResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof RegisterParams>>): Promise<ResultOf<typeof RegisterResponse>> {
					const { password, displayName } = ctx.params;
					const email = emailKey(ctx.params.email);
					const policy = checkPasswordPolicy(password, { email });
					if (!policy.ok) throw clientError(422, "WEAK_PASSWORD", "The password does not meet the policy", policy.problems);
					const id = randomUUID();
					const hash = await hashPassword(password);
					const { rows } = await dbOf(this).db.query<UserRow>(
						`INSERT INTO auth.users (id, email, display_name, role, password_hash) VALUES ($1, $2, $3, 'citizen', $4)
						 ON CONFLICT DO NOTHING RETURNING *`,
						[id, email, displayName, hash]
					);
					const user = rows[0];
					if (!user) throw clientError(409, "EMAIL_TAKEN", "An account with this email already exists");
					await audit(this, ctx, { action: "user.registered", target: user.id, actor: `user:${user.id}` });
					return { user: publicUser(user) };
				}
			},

			login: {
				visibility: "published",
				rest: "POST /login",
				permissions: ["public"],
				params: LoginParams,
				response: LoginResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof LoginParams>>): Promise<ResultOf<typeof LoginResponse>> {
					const key = emailKey(ctx.params.email);
					const at = now();
					// The attempt is booked as a failure before the password is checked, under a per-account
					// advisory lock: parallel guesses for one email queue on the lock, each sees the attempts
					// booked before it, so no more than the free failures get a password check before the
					// lockout answers. The lock is held only for these few statements, not the argon2 check.
					const attempt = await dbOf(this).db.transaction(async (tx) => {
						await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`auth.login:${key}`]);
						const { rows } = await tx.query<{ at: string | number }>("SELECT at FROM auth.login_failures WHERE email_key = $1 AND at > $2", [
							key,
							at - DEFAULT_LOCKOUT_POLICY.windowMs
						]);
						const failures = rows.map((r) => Number(r.at));
						const before = lockoutState(failures, at);
						if (before.locked) return { booked: false, state: before } as const;
						await tx.query("DELETE FROM auth.login_failures WHERE at <= $1", [at - DEFAULT_LOCKOUT_POLICY.windowMs]);
						await tx.query("INSERT INTO auth.login_failures (email_key, at) VALUES ($1, $2)", [key, at]);
						// What the lockout will be if this attempt turns out to be a failure.
						return { booked: true, state: lockoutState([...failures, at], at) } as const;
					});
					if (!attempt.booked) {
						throw clientError(429, "ACCOUNT_LOCKED", "Too many failed sign-ins for this account; try again later", {
							retryAfterSeconds: Math.ceil(attempt.state.retryAfterMs / 1000)
						});
					}
					const after = attempt.state;
					const user = await findUserByEmail(this, key);
					const passwordOk = await verifyPasswordOrDummy(user?.password_hash, ctx.params.password);
					if (!passwordOk || !user || user.disabled_at !== null) {
						await audit(this, ctx, {
							action: "login.failed",
							target: user?.id ?? key,
							data: { email: key, knownUser: user !== undefined, disabled: user?.disabled_at != null, recentFailures: after.recentFailures }
						});
						if (after.locked) await audit(this, ctx, { action: "account.locked", target: user?.id ?? key, data: { email: key, lockedUntil: after.lockedUntil } });
						incrementMetric(this.broker, "authFailures", { reason: "password" });
						throw INVALID_CREDENTIALS();
					}
					// A success forgives the typos, and takes back the failure booked for itself above.
					await dbOf(this).db.query("DELETE FROM auth.login_failures WHERE email_key = $1", [key]);
					if (needsRehash(user.password_hash)) {
						await dbOf(this).db.query("UPDATE auth.users SET password_hash = $2, updated_at = now() WHERE id = $1", [user.id, await hashPassword(ctx.params.password)]);
					}
					const role = publicUser(user).role;
					if (requiresSecondFactor(role)) {
						await audit(this, ctx, { action: "login.password-accepted", target: user.id, actor: `user:${user.id}`, data: { next: user.totp_secret ? "verify" : "enroll" } });
						return createChallenge(this, user.id, user.totp_secret ? "verify" : "enroll");
					}
					await audit(this, ctx, { action: "login.succeeded", target: user.id, actor: `user:${user.id}` });
					return issueTokens(this, user);
				}
			},

			mfaVerify: {
				visibility: "published",
				rest: "POST /mfa/verify",
				permissions: ["public"],
				params: MfaVerifyParams,
				response: TokensResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof MfaVerifyParams>>): Promise<ResultOf<typeof TokensResponse>> {
					const user = await useChallenge(this, ctx.params.challenge, "verify");
					const code = ctx.params.code.replace(/\s+/g, "");
					let method: "totp" | "recovery-code";
					let ok = false;
					if (/^\d{6}$/.test(code)) {
						method = "totp";
						const lastStep = user.totp_last_step === null ? null : Number(user.totp_last_step);
						const check = user.totp_secret ? verifyTotp(user.totp_secret, code, lastStep, now) : ({ ok: false } as const);
						if (check.ok) {
							// Compare-and-set on the step: the same code sent twice at once is accepted once.
							const { rowCount } = await dbOf(this).db.query(
								"UPDATE auth.users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
								[user.id, check.step]
							);
							ok = rowCount === 1;
						}
					} else {
						method = "recovery-code";
						const { rows } = await dbOf(this).db.query<{ code_hash: string; used_at: string | number | null }>(
							"SELECT code_hash, used_at FROM auth.recovery_codes WHERE user_id = $1",
							[user.id]
						);
						const stored = rows.map((r) => ({ hash: r.code_hash, usedAt: r.used_at === null ? null : Number(r.used_at) }));
						const redeemed = redeemRecoveryCode(stored, code, now());
						if (redeemed.ok) {
							const used = redeemed.stored.find((entry, i) => entry.usedAt !== null && stored[i]?.usedAt === null);
							const { rowCount } = await dbOf(this).db.query(
								"UPDATE auth.recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
								[user.id, used?.hash ?? "", now()]
							);
							ok = rowCount === 1;
							if (ok) await audit(this, ctx, { action: "mfa.recovery-code-used", target: user.id, actor: `user:${user.id}`, data: { remaining: redeemed.remaining } });
						}
					}
					if (!ok) {
						await audit(this, ctx, { action: "mfa.failed", target: user.id, actor: `user:${user.id}`, data: { method } });
						incrementMetric(this.broker, "authFailures", { reason: "second_factor" });
						throw clientError(401, "MFA_CODE_INVALID", "The code is wrong, expired or already used");
					}
					await completeChallenge(this, ctx.params.challenge);
					await audit(this, ctx, { action: "login.succeeded", target: user.id, actor: `user:${user.id}`, data: { secondFactor: method } });
					return issueTokens(this, user);
				}
			},

			mfaEnroll: {
				visibility: "published",
				rest: "POST /mfa/enroll",
				// Signed in, or holding the enrolment challenge of a login: the handler decides which.
				permissions: ["public"],
				params: MfaEnrollParams,
				response: MfaEnrollResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof MfaEnrollParams>>): Promise<ResultOf<typeof MfaEnrollResponse>> {
					const user = await enrollingUser(this, ctx);
					if (user.totp_secret !== null) throw clientError(409, "MFA_ALREADY_ENABLED", "A second factor is already active on this account");
					const secret = generateTotpSecret();
					await dbOf(this).db.query("UPDATE auth.users SET totp_pending_secret = $2, updated_at = now() WHERE id = $1", [user.id, secret]);
					return { secret, otpauthUri: totpUri(secret, user.email) };
				}
			},

			mfaActivate: {
				visibility: "published",
				rest: "POST /mfa/activate",
				permissions: ["public"],
				params: MfaActivateParams,
				response: MfaActivateResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof MfaActivateParams>>): Promise<ResultOf<typeof MfaActivateResponse>> {
					const user = await enrollingUser(this, ctx);
					if (user.totp_secret !== null) throw clientError(409, "MFA_ALREADY_ENABLED", "A second factor is already active on this account");
					const pending = user.totp_pending_secret;
					const check = pending ? verifyTotp(pending, ctx.params.code, null, now) : undefined;
					if (!pending || !check?.ok) throw clientError(422, "MFA_CODE_INVALID", "The code does not match the secret being enrolled");
					const { codes, stored } = createRecoveryCodes();
					await dbOf(this).db.transaction(async (tx) => {
						await tx.query(
							"UPDATE auth.users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_last_step = $2, updated_at = now() WHERE id = $1",
							[user.id, check.step]
						);
						await tx.query("DELETE FROM auth.recovery_codes WHERE user_id = $1", [user.id]);
						for (const entry of stored) await tx.query("INSERT INTO auth.recovery_codes (user_id, code_hash) VALUES ($1, $2)", [user.id, entry.hash]);
					});
					await audit(this, ctx, { action: "mfa.enabled", target: user.id, actor: `user:${user.id}` });
					if (ctx.params.challenge === undefined || principalOf(ctx.meta)?.kind === "user") return { recoveryCodes: codes };
					await completeChallenge(this, ctx.params.challenge);
					await audit(this, ctx, { action: "login.succeeded", target: user.id, actor: `user:${user.id}`, data: { secondFactor: "enrolment" } });
					return { recoveryCodes: codes, tokens: await issueTokens(this, { ...user, totp_secret: pending }) };
				}
			},

			refresh: {
				visibility: "published",
				rest: "POST /refresh",
				permissions: ["public"],
				params: RefreshTokenParams,
				response: TokensResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof RefreshTokenParams>>): Promise<ResultOf<typeof TokensResponse>> {
					const tokens = tokensOf(stateOf(this));
					const outcome = await rotateRefreshToken(tokens, ctx.params.refreshToken, now);
					if (outcome.outcome === "reuse-detected") {
						await audit(this, ctx, {
							action: "refresh-token.reuse",
							target: outcome.userId,
							actor: `user:${outcome.userId}`,
							data: { familyId: outcome.familyId, revokedCount: outcome.revokedCount }
						});
						throw clientError(401, "REFRESH_TOKEN_REUSED", "This refresh token was already used; every session it belonged to is ended");
					}
					if (outcome.outcome !== "rotated") throw clientError(401, "INVALID_REFRESH_TOKEN", "The refresh token is invalid, expired or revoked");
					const user = await findUser(this, outcome.userId);
					if (!user || user.disabled_at !== null) {
						await tokens.revokeFamily(outcome.familyId, now());
						throw clientError(401, "INVALID_REFRESH_TOKEN", "The refresh token is invalid, expired or revoked");
					}
					const role = publicUser(user).role;
					const access = issueAccessToken(stateOf(this).keyring, JWT_SETTINGS, { sub: user.id, role }, now);
					return { tokenType: "Bearer", accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: outcome.token, user: publicUser(user) };
				}
			},

			logout: {
				visibility: "published",
				rest: "POST /logout",
				permissions: ["public"],
				params: RefreshTokenParams,
				response: LogoutResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof RefreshTokenParams>>): Promise<ResultOf<typeof LogoutResponse>> {
					const outcome = await revokeRefreshToken(tokensOf(stateOf(this)), ctx.params.refreshToken, now);
					if (outcome.outcome === "logged-out") {
						await audit(this, ctx, { action: "logout", target: outcome.userId, actor: `user:${outcome.userId}`, data: { familyId: outcome.familyId } });
					}
					return { loggedOut: outcome.outcome === "logged-out" };
				}
			},

			me: {
				visibility: "published",
				rest: "GET /me",
				permissions: ["account:self"],
				params: NoParams,
				response: UserResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof NoParams>>): Promise<ResultOf<typeof UserResponse>> {
					const user = await findUser(this, userIdOf(ctx));
					if (!user) throw clientError(404, "NOT_FOUND", "This account no longer exists");
					return publicUser(user);
				}
			},

			changePassword: {
				visibility: "published",
				rest: "POST /password",
				permissions: ["account:self"],
				params: ChangePasswordParams,
				response: ChangePasswordResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof ChangePasswordParams>>): Promise<ResultOf<typeof ChangePasswordResponse>> {
					const user = await findUser(this, userIdOf(ctx));
					if (!user || !(await verifyPasswordOrDummy(user.password_hash, ctx.params.currentPassword))) {
						await audit(this, ctx, { action: "password.change-failed", target: user?.id ?? "unknown" });
						throw clientError(403, "WRONG_PASSWORD", "The current password is wrong");
					}
					const policy = checkPasswordPolicy(ctx.params.newPassword, { email: user.email });
					if (!policy.ok) throw clientError(422, "WEAK_PASSWORD", "The password does not meet the policy", policy.problems);
					await dbOf(this).db.query("UPDATE auth.users SET password_hash = $2, updated_at = now() WHERE id = $1", [user.id, await hashPassword(ctx.params.newPassword)]);
					// Whoever knew the old password may hold a session: all of them end.
					await tokensOf(stateOf(this)).revokeUser(user.id, now());
					await audit(this, ctx, { action: "password.changed", target: user.id });
					return { changed: true };
				}
			},

			createApiKey: {
				visibility: "published",
				rest: "POST /api-keys",
				permissions: ["api-keys:manage"],
				params: CreateApiKeyParams,
				response: CreatedApiKeyResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof CreateApiKeyParams>>): Promise<ResultOf<typeof CreatedApiKeyResponse>> {
					let created;
					try {
						created = createApiKey(ctx.params.scopes);
					} catch (err) {
						if (err instanceof ApiKeyScopeError) throw clientError(422, "INVALID_SCOPES", err.message, { grantable: API_KEY_SCOPES });
						throw err;
					}
					const id = randomUUID();
					const principal = principalOf(ctx.meta);
					await dbOf(this).db.query("INSERT INTO auth.api_keys (id, prefix, key_hash, name, scopes, created_by) VALUES ($1, $2, $3, $4, $5, $6)", [
						id,
						created.prefix,
						created.hash,
						ctx.params.name,
						created.scopes,
						principal?.kind === "user" ? principal.userId : null
					]);
					await audit(this, ctx, { action: "api-key.created", target: id, data: { name: ctx.params.name, prefix: created.prefix, scopes: created.scopes } });
					// The only time the key exists outside its holder: it is not stored.
					return { id, name: ctx.params.name, prefix: created.prefix, scopes: created.scopes, key: created.key };
				}
			},

			listApiKeys: {
				visibility: "published",
				rest: "GET /api-keys",
				permissions: ["api-keys:manage"],
				params: NoParams,
				response: ApiKeyListResponse,
				async handler(this: AuthThis): Promise<ResultOf<typeof ApiKeyListResponse>> {
					const { rows } = await dbOf(this).db.query<ApiKeyRow>(
						"SELECT id, name, prefix, scopes, created_by, created_at, revoked_at, last_used_at FROM auth.api_keys ORDER BY created_at DESC"
					);
					// The same JSON as before (a Date serialises to its ISO string), now stated by the type.
					return rows.map((r) => ({
						id: r.id,
						name: r.name,
						prefix: r.prefix,
						scopes: r.scopes,
						createdBy: r.created_by,
						createdAt: isoTime(r.created_at),
						revokedAt: r.revoked_at === null ? null : isoTime(r.revoked_at),
						lastUsedAt: r.last_used_at === null ? null : isoTime(r.last_used_at)
					}));
				}
			},

			revokeApiKey: {
				visibility: "published",
				rest: "DELETE /api-keys/:id",
				permissions: ["api-keys:manage"],
				params: ApiKeyIdParams,
				response: RevokedResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof ApiKeyIdParams>>): Promise<ResultOf<typeof RevokedResponse>> {
					const { rowCount } = await dbOf(this).db.query("UPDATE auth.api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [ctx.params.id]);
					if (rowCount !== 1) throw clientError(404, "NOT_FOUND", "No active API key with this id");
					// Every gateway drops the key from its cache at once instead of after the cache's TTL.
					await ctx.broadcast(API_KEY_REVOKED_EVENT, { keyId: ctx.params.id });
					await audit(this, ctx, { action: "api-key.revoked", target: ctx.params.id });
					return { revoked: true };
				}
			},

			/** For the gateway: the key's id and scopes, or null. Not published; the gateway calls it with no principal. */
			resolveApiKey: {
				visibility: "public",
				params: ResolveApiKeyParams,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof ResolveApiKeyParams>>): Promise<{ keyId: string; scopes: string[] } | null> {
					const prefix = apiKeyPrefix(ctx.params.key);
					if (prefix === undefined) return null;
					const { rows } = await dbOf(this).db.query<{ id: string; key_hash: string; scopes: string[] }>(
						"SELECT id, key_hash, scopes FROM auth.api_keys WHERE prefix = $1 AND revoked_at IS NULL",
						[prefix]
					);
					const row = rows[0];
					if (!row || !verifyApiKey(ctx.params.key, row.key_hash)) return null;
					await dbOf(this).db.query(
						"UPDATE auth.api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))",
						[row.id, KEY_USE_WRITE_INTERVAL_MS / 1000]
					);
					return { keyId: row.id, scopes: row.scopes };
				}
			},

			listUsers: {
				visibility: "published",
				rest: "GET /users",
				permissions: ["users:read"],
				params: ListUsersParams,
				response: UserListResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof ListUsersParams>>): Promise<ResultOf<typeof UserListResponse>> {
					const { rows } = await dbOf(this).db.query<UserRow>("SELECT * FROM auth.users ORDER BY created_at, id LIMIT $1 OFFSET $2", [
						ctx.params.limit,
						ctx.params.offset
					]);
					return { users: rows.map(publicUser) };
				}
			},

			setRole: {
				visibility: "published",
				rest: "PUT /users/:id/role",
				permissions: ["users:manage"],
				params: SetRoleParams,
				response: UserResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof SetRoleParams>>): Promise<ResultOf<typeof UserResponse>> {
					if (userIdOf(ctx) === ctx.params.id) throw clientError(409, "OWN_ACCOUNT", "Another admin must change your role");
					const before = await findUser(this, ctx.params.id);
					if (!before) throw clientError(404, "NOT_FOUND", "No user with this id");
					const { rows } = await dbOf(this).db.query<UserRow>("UPDATE auth.users SET role = $2, updated_at = now() WHERE id = $1 RETURNING *", [ctx.params.id, ctx.params.role]);
					// Sessions end so the next sign-in applies the new role, and its second-factor rule.
					await tokensOf(stateOf(this)).revokeUser(ctx.params.id, now());
					await audit(this, ctx, { action: "user.role-changed", target: ctx.params.id, data: { from: before.role, to: ctx.params.role } });
					const row = rows[0];
					if (!row) throw clientError(404, "NOT_FOUND", "No user with this id");
					return publicUser(row);
				}
			},

			disableUser: {
				visibility: "published",
				rest: "POST /users/:id/disable",
				permissions: ["users:manage"],
				params: UserIdParams,
				response: UserResponse,
				async handler(this: AuthThis, ctx: Context<ParamsOf<typeof UserIdParams>>): Promise<ResultOf<typeof UserResponse>> {
					if (userIdOf(ctx) === ctx.params.id) throw clientError(409, "OWN_ACCOUNT", "Another admin must disable your account");
					const { rows } = await dbOf(this).db.query<UserRow>(
						"UPDATE auth.users SET disabled_at = COALESCE(disabled_at, now()), updated_at = now() WHERE id = $1 RETURNING *",
						[ctx.params.id]
					);
					const row = rows[0];
					if (!row) throw clientError(404, "NOT_FOUND", "No user with this id");
					await tokensOf(stateOf(this)).revokeUser(ctx.params.id, now());
					await audit(this, ctx, { action: "user.disabled", target: ctx.params.id });
					return publicUser(row);
				}
			}
		},

		created(this: AuthThis): void {
			const state: AuthState = { env, now, keyring: signingKeyringFromEnv(env), tokens: undefined, documents: undefined, documentsOpened: Promise.resolve() };
			states.set(this, state);
			addHealthCheck(this, "audit-log", async () => {
				if (!state.documents) throw new Error("document store not open yet");
				await state.documents.ping(1_500);
				return state.documents.kind;
			});
		},

		started(this: AuthThis): Promise<void> {
			const state = stateOf(this);
			// In the background, like the database: the node starts while its stores are away.
			state.documentsOpened = dbOf(this).dbReady(Number.POSITIVE_INFINITY).then(async () => {
				state.tokens = new SqlRefreshTokenStore(dbOf(this).db);
				try {
					state.documents = await openDocumentStore({ mongoUrl: env.mongoUrl, database: options.database ?? databaseConfigFromEnv(env), nodeID: this.broker.nodeID });
				} catch (err) {
					this.logger.warn(`Audit log unavailable: ${err instanceof Error ? err.message : String(err)}`);
				}
			});
			// After the audit log opened, so the bootstrap itself is recorded.
			void state.documentsOpened.then(() =>
				createFirstAdmin(this).catch((err: unknown) => this.logger.error(`First admin not created: ${err instanceof Error ? err.message : String(err)}`))
			);
			return Promise.resolve();
		},

		async stopped(this: AuthThis): Promise<void> {
			const state = stateOf(this);
			await state.documentsOpened;
			await state.documents?.close();
		}
	};
}

export default AuthService();
