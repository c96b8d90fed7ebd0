import { describe, expect, it } from "vitest";
import {
	DEFAULT_ARGON2_PARAMS,
	PasswordHashFormatError,
	hashPassword,
	needsRehash,
	verifyPassword,
	verifyPasswordOrDummy
} from "./passwords.ts";

const PASSWORD = "maple syrup on a tuesday";

describe("argon2id password hashes", () => {
	it("encodes a PHC string with at least OWASP's parameters and verifies only the right password", async () => {
		const encoded = await hashPassword(PASSWORD);
		expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
		expect(await verifyPassword(encoded, PASSWORD)).toBe(true);
		expect(await verifyPassword(encoded, `${PASSWORD} `)).toBe(false);
		expect(needsRehash(encoded)).toBe(false);
	});

	it("salts every hash, so one password never gives the same string twice", async () => {
		const [a, b] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
		expect(a).not.toBe(b);
	});

	it("reads hashes made by the reference implementation (phc-winner-argon2 test vector)", async () => {
		const reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
		expect(await verifyPassword(reference, "password")).toBe(true);
		expect(await verifyPassword(reference, "Password")).toBe(false);
	});

	it("NFKC-normalizes, so full-width and composed forms of the same password match", async () => {
		const encoded = await hashPassword("Ｃａｆé au lait 2024", { ...DEFAULT_ARGON2_PARAMS, memoryKiB: 1024, passes: 1 });
		expect(await verifyPassword(encoded, "Cafe\u0301 au lait 2024")).toBe(true);
	});

	it("rejects a hash whose digest was tampered with", async () => {
		const encoded = await hashPassword(PASSWORD, { ...DEFAULT_ARGON2_PARAMS, memoryKiB: 1024, passes: 1 });
		// A middle character: the last one of unpadded base64 also carries ignored padding bits.
		const at = encoded.length - 10;
		const swapped = encoded[at] === "A" ? "B" : "A";
		expect(await verifyPassword(`${encoded.slice(0, at)}${swapped}${encoded.slice(at + 1)}`, PASSWORD)).toBe(false);
	});

	it("refuses stored strings that are not argon2id or ask for absurd resources", async () => {
		await expect(verifyPassword("$2b$10$abcdefghijklmnopqrstuv", PASSWORD)).rejects.toBeInstanceOf(PasswordHashFormatError);
		await expect(
			verifyPassword("$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", PASSWORD)
		).rejects.toBeInstanceOf(PasswordHashFormatError);
		await expect(
			verifyPassword("$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", PASSWORD)
		).rejects.toBeInstanceOf(PasswordHashFormatError);
	});

	it("asks for a rehash when stored parameters are below the current ones", () => {
		const salt = "c29tZXNhbHRzb21lc2FsdA";
		const digest = "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
		expect(needsRehash(`$argon2id$v=19$m=19456,t=2,p=1$${salt}$${digest}`)).toBe(false);
		expect(needsRehash(`$argon2id$v=19$m=65536,t=3,p=1$${salt}$${digest}`)).toBe(false);
		expect(needsRehash(`$argon2id$v=19$m=4096,t=2,p=1$${salt}$${digest}`)).toBe(true);
		expect(needsRehash(`$argon2id$v=19$m=19456,t=1,p=1$${salt}$${digest}`)).toBe(true);
		expect(needsRehash(`$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$${digest}`)).toBe(true); // 8-byte salt
		expect(needsRehash(`$argon2id$v=19$m=19456,t=2,p=1$${salt}$${digest}`, { ...DEFAULT_ARGON2_PARAMS, memoryKiB: 47_104 })).toBe(true);
		expect(needsRehash("not a hash")).toBe(true);
	});

	it("answers an unknown user with a full argon2 verification at current parameters, and never yes", async () => {
		expect(await verifyPasswordOrDummy(undefined, PASSWORD)).toBe(false);
		const encoded = await hashPassword(PASSWORD);
		expect(await verifyPasswordOrDummy(encoded, PASSWORD)).toBe(true);
		expect(await verifyPasswordOrDummy(encoded, "something else entirely")).toBe(false);
	});
});
