/**
 * `auth`: users, roles, credentials and tokens (issue 4). Routes under /api/v1/auth.
 *
 * Sign-in: password (argon2id, lockout per email, no enumeration) → tokens, or for operator and
 * admin an MFA challenge → /mfa/verify with a TOTP or recovery code → tokens. An operator or admin
 * without a second factor yet gets an enrolment challenge instead and must enrol (/mfa/enroll,
 * /mfa/activate) before any token is issued, so the second factor is never optional for them.
 *
 * The pure rules live in ./core (tested there), the SQL in the stores beside this file
 * (users-store.ts, mfa-challenge-store.ts, login-failure-store.ts, api-key-store.ts,
 * sql-refresh-token-store.ts); the handlers orchestrate them and write the audit log (document
 * store, DocumentStoreMixin) for every security event. Every time is read from `options.now`.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { DbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { DocumentStoreMixin, type DocumentStoreVars } from "../../mixins/document-store.mixin.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { type ServiceThis, defineService } from "../../runtime/define-service.ts";
import { principalOf } from "../../access/principal.ts";
import { type Env, loadEnv } from "../../runtime/env.ts";
import type { Database, DatabaseConfig } from "../../runtime/storage/database.ts";
import type { AuditEventInput } from "../../runtime/storage/document-store.ts";
import { API_KEY_REVOKED_EVENT, SECURITY_EVENT, type SecurityEvent, isSecurityAction } from "./auth.contract.ts";
import { incrementMetric } from "../../runtime/platform-metrics.ts";
import { ApiKeyScopeError, createApiKey, verifyApiKey } from "./core/api-keys.ts";
import { apiKeyPrefix } from "../../access/api-key-format.ts";
import type { JwtKeyring } from "../../access/jwt.ts";
import { issueAccessToken, signingKeyringFromEnv } from "./core/issue-access-token.ts";
import { JWT_SETTINGS } from "../../access/keyring-from-env.ts";
import { DEFAULT_LOCKOUT_POLICY, lockoutState } from "./core/lockout.ts";
import { normalizeEmail } from "./core/emails.ts";
import { checkPasswordPolicy } from "./core/password-policy.ts";
import { hashPassword, needsRehash, verifyPasswordOrDummy } from "./core/passwords.ts";
import { createRecoveryCodes, redeemRecoveryCode } from "./core/recovery-codes.ts";
import { issueRefreshToken, revokeRefreshToken, rotateRefreshToken } from "./core/refresh-tokens.ts";
import { API_KEY_SCOPES, type Principal, isRole, requiresSecondFactor } from "../../access/roles.ts";
import { generateTotpSecret, totpUri, verifyTotp } from "./core/totp.ts";
import { SqlRefreshTokenStore } from "./sql-refresh-token-store.ts";
import { ApiKeyStore } from "./api-key-store.ts";
import { LoginFailureStore } from "./login-failure-store.ts";
import { MfaChallengeStore } from "./mfa-challenge-store.ts";
import { type UserRow, UsersStore } from "./users-store.ts";
import { AUTH_ERRORS, AuthError } from "./errors.ts";
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

export type { MfaChallenge, PublicUser, TokenPair };

function isoTime(value: Date | string): string {
	return new Date(value).toISOString();
}

interface AuthSettings extends ServiceSettingSchema {
	rest: string;
}

/** What an auth service holds while it runs, set in `created` (DbMixin and DocumentStoreMixin add theirs). */
interface AuthVars extends DbService, DocumentStoreVars {
	keyring: JwtKeyring;
	/** Undefined until the database is ready: token routes answer 503 meanwhile. */
	tokens: SqlRefreshTokenStore | undefined;
	users: UsersStore;
	challenges: MfaChallengeStore;
	loginFailures: LoginFailureStore;
	apiKeys: ApiKeyStore;
}

type AuthThis = ServiceThis<AuthSettings, AuthVars>;

/** The stored and looked-up form of an address (core/emails.ts); 422 for one no account can have. */
function emailKey(email: string): string {
	const normalized = normalizeEmail(email);
	if (!normalized.ok) throw new AuthError(422, AUTH_ERRORS.INVALID_EMAIL, normalized.message);
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
	if (principal?.kind !== "user") throw new AuthError(401, AUTH_ERRORS.UNAUTHORIZED, "Sign in to use this route");
	return principal.userId;
}

function tokensOf(service: AuthThis): SqlRefreshTokenStore {
	if (!service.tokens) throw new AuthError(503, AUTH_ERRORS.SERVICE_UNAVAILABLE, "The auth database is not ready yet");
	return service.tokens;
}

/** The moments where a wrong answer must cost the same for everyone: one message, no detail. */
const INVALID_CREDENTIALS = (): AuthError => new AuthError(401, AUTH_ERRORS.INVALID_CREDENTIALS, "Email or password is wrong");

export function AuthService(options: AuthServiceOptions = {}): ServiceSchema {
	const env = options.env ?? loadEnv();
	const now = options.now ?? Date.now;
	const dbOptions = { ...(options.database ? { database: options.database } : {}), env };

	/** Appends to the audit log; a failure to record is logged loudly but does not undo the event. */
	async function audit(service: AuthThis, ctx: Context | undefined, event: Omit<AuditEventInput, "actor" | "requestId" | "at"> & { actor?: string }): Promise<void> {
		await service.documentsOpened;
		const entry: AuditEventInput = {
			actor: event.actor ?? actorOf(ctx ? principalOf(ctx.meta) : undefined),
			action: event.action,
			...(event.target !== undefined ? { target: event.target } : {}),
			...(ctx?.requestID ? { requestId: ctx.requestID } : {}),
			data: { ...event.data, ...(ctx && typeof ctx.meta === "object" && ctx.meta !== null && "clientIp" in ctx.meta ? { ip: (ctx.meta as { clientIp?: unknown }).clientIp } : {}) },
			at: new Date(now())
		};
		try {
			if (!service.documents) throw new Error("document store not open");
			await service.documents.appendAudit(entry);
		} catch (err) {
			service.logger.error(`Audit event ${event.action} not recorded: ${err instanceof Error ? err.message : String(err)}`, entry);
		}
		// The account's owner is told (notification service); the target of these actions is the user.
		if (isSecurityAction(event.action) && event.target !== undefined) {
			const ip = entry.data?.ip;
			const security: SecurityEvent = { id: randomUUID(), userId: event.target, action: event.action, at: (entry.at ?? new Date(now())).toISOString(), ...(typeof ip === "string" ? { ip } : {}) };
			await service.broker.broadcast(SECURITY_EVENT, security);
		}
	}

	async function issueTokens(service: AuthThis, user: UserRow): Promise<TokenPair> {
		const role = publicUser(user).role;
		const access = issueAccessToken(service.keyring, JWT_SETTINGS, { sub: user.id, role }, now);
		const refresh = await issueRefreshToken(tokensOf(service), user.id, now);
		return { tokenType: "Bearer", accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: refresh.token, user: publicUser(user) };
	}

	async function createChallenge(service: AuthThis, userId: string, purpose: "verify" | "enroll"): Promise<MfaChallenge> {
		const challenge = randomBytes(32).toString("base64url");
		const expiresAt = now() + CHALLENGE_TTL_MS;
		await service.challenges.create({ hash: sha256(challenge), userId, purpose, expiresAt }, now());
		return { mfaRequired: true, next: purpose, challenge, expiresAt };
	}

	/** Counts an attempt on a live challenge and returns its user; any other case is one 401. */
	async function useChallenge(service: AuthThis, challenge: string, purpose: "verify" | "enroll"): Promise<UserRow> {
		const userId = await service.challenges.attempt(sha256(challenge), purpose, now(), CHALLENGE_MAX_ATTEMPTS);
		const user = userId === undefined ? undefined : await service.users.findById(userId);
		if (!user || user.disabled_at !== null) throw new AuthError(401, AUTH_ERRORS.MFA_CHALLENGE_INVALID, "The sign-in challenge is invalid or expired; sign in again");
		return user;
	}

	/** Compare-and-set: a challenge completes once, however many requests race with it. */
	async function completeChallenge(service: AuthThis, challenge: string): Promise<void> {
		if (!(await service.challenges.complete(sha256(challenge), now()))) throw new AuthError(401, AUTH_ERRORS.MFA_CHALLENGE_INVALID, "The sign-in challenge was already used; sign in again");
	}

	/** The user a request for enrolment is about: the signed-in user, or the one an enrolment challenge names. */
	async function enrollingUser(service: AuthThis, ctx: Context<ParamsOf<typeof MfaEnrollParams>>): Promise<UserRow> {
		const principal = principalOf(ctx.meta);
		if (principal?.kind === "user") {
			const user = await service.users.findById(principal.userId);
			if (!user) throw new AuthError(404, AUTH_ERRORS.NOT_FOUND, "This account no longer exists");
			if (user.disabled_at !== null) throw new AuthError(403, AUTH_ERRORS.ACCOUNT_DISABLED, "This account is disabled");
			return user;
		}
		if (ctx.params.challenge === undefined) throw new AuthError(400, AUTH_ERRORS.CHALLENGE_REQUIRED, "Sign in, or send the enrolment challenge that login returned");
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
		const created = await service.users.insertFirstAdmin({ id: randomUUID(), email: adminEmail.email, passwordHash: hash });
		if (created) {
			service.logger.info(`Created the first admin ${env.adminEmail}; they enrol a second factor at first sign-in`);
			await audit(service, undefined, { action: "user.bootstrap-admin", target: env.adminEmail ?? "" });
		}
	}

	return defineService<AuthSettings, AuthVars>({
		name: "auth",
		mixins: [DbMixin(dbOptions), DocumentStoreMixin({ ...dbOptions, healthCheck: "audit-log", purpose: "Audit log" }), HealthMixin()],
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
					if (!policy.ok) throw new AuthError(422, AUTH_ERRORS.WEAK_PASSWORD, "The password does not meet the policy", policy.problems);
					const id = randomUUID();
					const hash = await hashPassword(password);
					const user = await this.users.insertCitizen({ id, email, displayName, passwordHash: hash });
					if (!user) throw new AuthError(409, AUTH_ERRORS.EMAIL_TAKEN, "An account with this email already exists");
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
					// Booked as a failure before the password is checked (login-failure-store.ts says why).
					const attempt = await this.loginFailures.bookAttempt(key, at, DEFAULT_LOCKOUT_POLICY.windowMs, (failures) => {
						const before = lockoutState(failures, at);
						return before.locked ? before : undefined;
					});
					if (!attempt.booked) {
						throw new AuthError(429, AUTH_ERRORS.ACCOUNT_LOCKED, "Too many failed sign-ins for this account; try again later", {
							retryAfterSeconds: Math.ceil(attempt.refusal.retryAfterMs / 1000)
						});
					}
					// What the lockout will be if this attempt turns out to be a failure.
					const after = lockoutState([...attempt.failures, at], at);
					const user = await this.users.findByEmail(key);
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
					await this.loginFailures.forgive(key);
					if (needsRehash(user.password_hash)) await this.users.setPasswordHash(user.id, await hashPassword(ctx.params.password));
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
							ok = await this.users.advanceTotpStep(user.id, check.step);
						}
					} else {
						method = "recovery-code";
						const stored = await this.users.recoveryCodes(user.id);
						const redeemed = redeemRecoveryCode(stored, code, now());
						if (redeemed.ok) {
							const used = redeemed.stored.find((entry, i) => entry.usedAt !== null && stored[i]?.usedAt === null);
							ok = await this.users.spendRecoveryCode(user.id, used?.hash ?? "", now());
							if (ok) await audit(this, ctx, { action: "mfa.recovery-code-used", target: user.id, actor: `user:${user.id}`, data: { remaining: redeemed.remaining } });
						}
					}
					if (!ok) {
						await audit(this, ctx, { action: "mfa.failed", target: user.id, actor: `user:${user.id}`, data: { method } });
						incrementMetric(this.broker, "authFailures", { reason: "second_factor" });
						throw new AuthError(401, AUTH_ERRORS.MFA_CODE_INVALID, "The code is wrong, expired or already used");
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
					if (user.totp_secret !== null) throw new AuthError(409, AUTH_ERRORS.MFA_ALREADY_ENABLED, "A second factor is already active on this account");
					const secret = generateTotpSecret();
					await this.users.setPendingTotpSecret(user.id, secret);
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
					if (user.totp_secret !== null) throw new AuthError(409, AUTH_ERRORS.MFA_ALREADY_ENABLED, "A second factor is already active on this account");
					const pending = user.totp_pending_secret;
					const check = pending ? verifyTotp(pending, ctx.params.code, null, now) : undefined;
					if (!pending || !check?.ok) throw new AuthError(422, AUTH_ERRORS.MFA_CODE_INVALID, "The code does not match the secret being enrolled");
					const { codes, stored } = createRecoveryCodes();
					await this.users.activateTotp(user.id, check.step, stored.map((entry) => entry.hash));
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
					const tokens = tokensOf(this);
					const outcome = await rotateRefreshToken(tokens, ctx.params.refreshToken, now);
					if (outcome.outcome === "reuse-detected") {
						await audit(this, ctx, {
							action: "refresh-token.reuse",
							target: outcome.userId,
							actor: `user:${outcome.userId}`,
							data: { familyId: outcome.familyId, revokedCount: outcome.revokedCount }
						});
						throw new AuthError(401, AUTH_ERRORS.REFRESH_TOKEN_REUSED, "This refresh token was already used; every session it belonged to is ended");
					}
					if (outcome.outcome !== "rotated") throw new AuthError(401, AUTH_ERRORS.INVALID_REFRESH_TOKEN, "The refresh token is invalid, expired or revoked");
					const user = await this.users.findById(outcome.userId);
					if (!user || user.disabled_at !== null) {
						await tokens.revokeFamily(outcome.familyId, now());
						throw new AuthError(401, AUTH_ERRORS.INVALID_REFRESH_TOKEN, "The refresh token is invalid, expired or revoked");
					}
					const role = publicUser(user).role;
					const access = issueAccessToken(this.keyring, JWT_SETTINGS, { sub: user.id, role }, now);
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
					const outcome = await revokeRefreshToken(tokensOf(this), ctx.params.refreshToken, now);
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
					const user = await this.users.findById(userIdOf(ctx));
					if (!user) throw new AuthError(404, AUTH_ERRORS.NOT_FOUND, "This account no longer exists");
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
					const user = await this.users.findById(userIdOf(ctx));
					if (!user || !(await verifyPasswordOrDummy(user.password_hash, ctx.params.currentPassword))) {
						await audit(this, ctx, { action: "password.change-failed", target: user?.id ?? "unknown" });
						throw new AuthError(403, AUTH_ERRORS.WRONG_PASSWORD, "The current password is wrong");
					}
					const policy = checkPasswordPolicy(ctx.params.newPassword, { email: user.email });
					if (!policy.ok) throw new AuthError(422, AUTH_ERRORS.WEAK_PASSWORD, "The password does not meet the policy", policy.problems);
					await this.users.setPasswordHash(user.id, await hashPassword(ctx.params.newPassword));
					// Whoever knew the old password may hold a session: all of them end.
					await tokensOf(this).revokeUser(user.id, now());
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
						if (err instanceof ApiKeyScopeError) throw new AuthError(422, AUTH_ERRORS.INVALID_SCOPES, err.message, { grantable: API_KEY_SCOPES });
						throw err;
					}
					const id = randomUUID();
					const principal = principalOf(ctx.meta);
					await this.apiKeys.insert({
						id,
						prefix: created.prefix,
						hash: created.hash,
						name: ctx.params.name,
						scopes: created.scopes,
						createdBy: principal?.kind === "user" ? principal.userId : null
					});
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
					const rows = await this.apiKeys.list();
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
					if (!(await this.apiKeys.revoke(ctx.params.id))) throw new AuthError(404, AUTH_ERRORS.NOT_FOUND, "No active API key with this id");
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
					const row = await this.apiKeys.findActiveByPrefix(prefix);
					if (!row || !verifyApiKey(ctx.params.key, row.key_hash)) return null;
					await this.apiKeys.touch(row.id, KEY_USE_WRITE_INTERVAL_MS);
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
					const rows = await this.users.list(ctx.params.limit, ctx.params.offset);
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
					if (userIdOf(ctx) === ctx.params.id) throw new AuthError(409, AUTH_ERRORS.OWN_ACCOUNT, "Another admin must change your role");
					const before = await this.users.findById(ctx.params.id);
					if (!before) throw new AuthError(404, AUTH_ERRORS.NOT_FOUND, "No user with this id");
					const row = await this.users.setRole(ctx.params.id, ctx.params.role);
					// Sessions end so the next sign-in applies the new role, and its second-factor rule.
					await tokensOf(this).revokeUser(ctx.params.id, now());
					await audit(this, ctx, { action: "user.role-changed", target: ctx.params.id, data: { from: before.role, to: ctx.params.role } });
					if (!row) throw new AuthError(404, AUTH_ERRORS.NOT_FOUND, "No user with this id");
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
					if (userIdOf(ctx) === ctx.params.id) throw new AuthError(409, AUTH_ERRORS.OWN_ACCOUNT, "Another admin must disable your account");
					const row = await this.users.disable(ctx.params.id);
					if (!row) throw new AuthError(404, AUTH_ERRORS.NOT_FOUND, "No user with this id");
					await tokensOf(this).revokeUser(ctx.params.id, now());
					await audit(this, ctx, { action: "user.disabled", target: ctx.params.id });
					return publicUser(row);
				}
			}
		},

		created(this: AuthThis): void {
			this.keyring = signingKeyringFromEnv(env);
			this.tokens = undefined;
			// Each store reads `this.db` when it runs a statement: DbMixin opens it in the background.
			const db = (): Database => this.db;
			this.users = new UsersStore(db);
			this.challenges = new MfaChallengeStore(db);
			this.loginFailures = new LoginFailureStore(db);
			this.apiKeys = new ApiKeyStore(db);
		},

		started(this: AuthThis): Promise<void> {
			// In the background, like the database: the node starts while its stores are away.
			void this.dbReady(Number.POSITIVE_INFINITY).then(
				() => {
					this.tokens = new SqlRefreshTokenStore(this.db);
				},
				() => undefined
			);
			// After the audit log opened (DocumentStoreMixin), so the bootstrap itself is recorded.
			void this.documentsOpened.then(() =>
				createFirstAdmin(this).catch((err: unknown) => this.logger.error(`First admin not created: ${err instanceof Error ? err.message : String(err)}`))
			);
			return Promise.resolve();
		}
	});
}

export default AuthService();
