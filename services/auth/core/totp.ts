/**
 * TOTP second factor (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits), the parameters every
 * authenticator app assumes. Codes are computed by the `otpauth` package; window and replay rules
 * live here.
 */
import { timingSafeEqual } from "node:crypto";
import { HOTP, Secret, TOTP } from "otpauth";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** One step either side absorbs clock drift and a code typed just as it rolled over. */
export const TOTP_WINDOW = 1;
const SECRET_BYTES = 20; // RFC 4226 recommends 160 bits for SHA-1

/** A new shared secret, base32 as authenticator apps and the otpauth URI expect. Store it encrypted or at least server-side only. */
export function generateTotpSecret(): string {
	return new Secret({ size: SECRET_BYTES }).base32;
}

/** The `otpauth://totp/...` URI an authenticator app scans (as a QR code) at enrolment. */
export function totpUri(secretBase32: string, accountName: string, issuer = "OpenPolicy"): string {
	return new TOTP({
		issuer,
		label: accountName,
		secret: Secret.fromBase32(secretBase32),
		algorithm: "SHA1",
		digits: TOTP_DIGITS,
		period: TOTP_PERIOD_SECONDS
	}).toString();
}

/** The time step a moment falls in; what replay protection stores. */
export function totpStep(nowMs: number): number {
	return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

export function totpCodeForStep(secretBase32: string, step: number): string {
	return HOTP.generate({ secret: Secret.fromBase32(secretBase32), algorithm: "SHA1", digits: TOTP_DIGITS, counter: step });
}

export function totpCode(secretBase32: string, nowMs: number): string {
	return totpCodeForStep(secretBase32, totpStep(nowMs));
}

export type TotpCheck =
	/** Persist `step` as the user's last accepted step before answering, so the code cannot be replayed. */
	| { ok: true; step: number }
	| { ok: false; reason: "malformed" | "mismatch" | "replayed" };

/**
 * Accepts a code from the current step or one step either side, but only from a step after
 * `lastAcceptedStep`: a code seen once (even a neighbouring step's, once a later one was accepted)
 * never works again.
 */
export function verifyTotp(
	secretBase32: string,
	code: string,
	lastAcceptedStep: number | null,
	now: () => number = Date.now
): TotpCheck {
	const presented = code.replace(/\s+/g, "");
	if (!/^\d{6}$/.test(presented)) return { ok: false, reason: "malformed" };
	const current = totpStep(now());
	let matchedStep: number | null = null;
	// Every candidate is computed and compared, so timing does not reveal which step matched.
	for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
		const expected = totpCodeForStep(secretBase32, step);
		if (timingSafeEqual(Buffer.from(expected), Buffer.from(presented)) && matchedStep === null) matchedStep = step;
	}
	if (matchedStep === null) return { ok: false, reason: "mismatch" };
	if (lastAcceptedStep !== null && matchedStep <= lastAcceptedStep) return { ok: false, reason: "replayed" };
	return { ok: true, step: matchedStep };
}
