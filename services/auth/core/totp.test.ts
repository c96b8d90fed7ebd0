import { describe, expect, it } from "vitest";
import { Secret } from "otpauth";
import { TOTP_PERIOD_SECONDS, generateTotpSecret, totpCode, totpStep, totpUri, verifyTotp } from "./totp.ts";

// RFC 6238 appendix B, SHA-1: the shared secret is the ASCII string "12345678901234567890". Six-digit
// codes are the last six digits of the eight-digit vectors, as both are the same number mod 10^d.
const RFC_SECRET = Secret.fromLatin1("12345678901234567890").base32;
const RFC_VECTORS: [number, string][] = [
	[59, "94287082"],
	[1111111109, "07081804"],
	[1111111111, "14050471"],
	[1234567890, "89005924"],
	[2000000000, "69279037"],
	[20000000000, "65353130"]
];

const T0 = Date.UTC(2025, 10, 3, 14, 0, 0);
const STEP = TOTP_PERIOD_SECONDS * 1000;
const at = (ms: number) => () => ms;

describe("TOTP", () => {
	it("matches the RFC 6238 SHA-1 test vectors", () => {
		for (const [seconds, eightDigits] of RFC_VECTORS) {
			expect(totpCode(RFC_SECRET, seconds * 1000)).toBe(eightDigits.slice(-6));
		}
	});

	it("makes a 160-bit secret and an otpauth URI authenticator apps read", () => {
		const secret = generateTotpSecret();
		expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
		const uri = new URL(totpUri(secret, "jean@example.ca"));
		expect(uri.protocol).toBe("otpauth:");
		expect(uri.host).toBe("totp");
		expect(decodeURIComponent(uri.pathname)).toBe("/OpenPolicy:jean@example.ca");
		expect(Object.fromEntries(uri.searchParams)).toEqual({ issuer: "OpenPolicy", secret, algorithm: "SHA1", digits: "6", period: "30" });
	});

	it("accepts the current step and one step either side, nothing further", () => {
		const secret = generateTotpSecret();
		const step = totpStep(T0);
		for (const offset of [-1, 0, 1]) {
			expect(verifyTotp(secret, totpCode(secret, T0 + offset * STEP), null, at(T0))).toEqual({ ok: true, step: step + offset });
		}
		for (const offset of [-2, 2]) {
			const code = totpCode(secret, T0 + offset * STEP);
			// Guard against the 1-in-a-million chance the far code equals a near one.
			const near = [-1, 0, 1].map((o) => totpCode(secret, T0 + o * STEP));
			if (!near.includes(code)) expect(verifyTotp(secret, code, null, at(T0))).toEqual({ ok: false, reason: "mismatch" });
		}
	});

	it("refuses a code replayed in the same step, and older codes once a newer one was accepted", () => {
		const secret = generateTotpSecret();
		const code = totpCode(secret, T0);
		const first = verifyTotp(secret, code, null, at(T0));
		expect(first.ok).toBe(true);
		const last = first.ok ? first.step : null;
		expect(verifyTotp(secret, code, last, at(T0 + 5000))).toEqual({ ok: false, reason: "replayed" });
		expect(verifyTotp(secret, totpCode(secret, T0 - STEP), last, at(T0))).toEqual({ ok: false, reason: "replayed" });
		expect(verifyTotp(secret, totpCode(secret, T0 + STEP), last, at(T0 + STEP))).toEqual({ ok: true, step: totpStep(T0) + 1 });
	});

	it("tolerates spaces and rejects malformed codes before comparing", () => {
		const secret = generateTotpSecret();
		const code = totpCode(secret, T0);
		expect(verifyTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, null, at(T0)).ok).toBe(true);
		expect(verifyTotp(secret, "12345", null, at(T0))).toEqual({ ok: false, reason: "malformed" });
		expect(verifyTotp(secret, "abcdef", null, at(T0))).toEqual({ ok: false, reason: "malformed" });
	});
});
