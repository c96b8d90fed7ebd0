/**
 * The auth service's client errors, named once: the `type` a caller sees in
 * `{ error: { type, message, code } }`. Handlers throw `AuthError` with one of these; the HTTP
 * status stays at the call site because one code can mean two things (a wrong second-factor code
 * is a 401 at sign-in and a 422 while enrolling).
 */
import { Errors } from "moleculer";

export const AUTH_ERRORS = {
	/** No account can have this address (after normalisation). */
	INVALID_EMAIL: "INVALID_EMAIL",
	UNAUTHORIZED: "UNAUTHORIZED",
	SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
	/** One answer for a wrong email, a wrong password and a disabled account: no enumeration. */
	INVALID_CREDENTIALS: "INVALID_CREDENTIALS",
	ACCOUNT_LOCKED: "ACCOUNT_LOCKED",
	ACCOUNT_DISABLED: "ACCOUNT_DISABLED",
	NOT_FOUND: "NOT_FOUND",
	EMAIL_TAKEN: "EMAIL_TAKEN",
	WEAK_PASSWORD: "WEAK_PASSWORD",
	WRONG_PASSWORD: "WRONG_PASSWORD",
	CHALLENGE_REQUIRED: "CHALLENGE_REQUIRED",
	MFA_CHALLENGE_INVALID: "MFA_CHALLENGE_INVALID",
	MFA_CODE_INVALID: "MFA_CODE_INVALID",
	MFA_ALREADY_ENABLED: "MFA_ALREADY_ENABLED",
	INVALID_REFRESH_TOKEN: "INVALID_REFRESH_TOKEN",
	REFRESH_TOKEN_REUSED: "REFRESH_TOKEN_REUSED",
	INVALID_SCOPES: "INVALID_SCOPES",
	/** An admin may not change their own role or disable their own account. */
	OWN_ACCOUNT: "OWN_ACCOUNT"
} as const;

export type AuthErrorCode = (typeof AUTH_ERRORS)[keyof typeof AUTH_ERRORS];

export class AuthError extends Errors.MoleculerClientError {
	constructor(status: number, code: AuthErrorCode, message: string, data?: unknown) {
		// The name stays Moleculer's, so a node across the transporter restores it as a client error.
		super(message, status, code, data);
	}
}
