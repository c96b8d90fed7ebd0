import { describe, expect, it } from "vitest";
import { createRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode, redeemRecoveryCode } from "./recovery-codes.ts";

const T0 = Date.UTC(2025, 10, 3, 14, 0, 0);

describe("recovery codes", () => {
	it("come as ten distinct human-friendly codes, stored only as hashes", () => {
		const { codes, stored } = createRecoveryCodes();
		expect(codes).toHaveLength(10);
		expect(new Set(codes).size).toBe(10);
		for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
		expect(stored.map((s) => s.hash)).toEqual(codes.map(hashRecoveryCode));
		expect(JSON.stringify(stored)).not.toContain(codes[0]);
		expect(stored.every((s) => s.usedAt === null)).toBe(true);
	});

	it("each work exactly once", () => {
		const { codes, stored } = createRecoveryCodes();
		const code = codes[3] ?? "";
		const first = redeemRecoveryCode(stored, code, T0);
		expect(first).toMatchObject({ ok: true, remaining: 9 });
		const after = first.ok ? first.stored : stored;
		expect(after[3]?.usedAt).toBe(T0);
		expect(redeemRecoveryCode(after, code, T0 + 1)).toEqual({ ok: false, reason: "already-used" });
		expect(redeemRecoveryCode(after, codes[4] ?? "", T0 + 2)).toMatchObject({ ok: true, remaining: 8 });
		// The input list is not modified: persisting the new list is the caller's step.
		expect(stored[3]?.usedAt).toBeNull();
	});

	it("accept what people type: capitals, spaces, no dashes, I/L for 1 and O for 0", () => {
		const { stored } = createRecoveryCodes(1);
		const canonical = "01ab-cdef-gh1j-km0n";
		const own = [{ hash: hashRecoveryCode(canonical), usedAt: null }];
		expect(redeemRecoveryCode(own, "O1AB CDEF GHIJ KMON", T0).ok).toBe(true);
		expect(redeemRecoveryCode(own, "o1abcdefghljkm0n", T0).ok).toBe(true);
		expect(redeemRecoveryCode(stored, canonical, T0)).toEqual({ ok: false, reason: "no-match" });
		expect(normalizeRecoveryCode("too-short")).toBeUndefined();
		expect(redeemRecoveryCode(own, "uuuu-uuuu-uuuu-uuuu", T0)).toEqual({ ok: false, reason: "malformed" });
	});
});
