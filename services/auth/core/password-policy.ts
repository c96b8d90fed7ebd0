/**
 * What a new password must satisfy (NIST SP 800-63B style: length and a blocklist, no composition
 * rules). Lengths count Unicode code points after NFKC, so "é" is one character however it was typed.
 */
import { readFileSync } from "node:fs";
import { normalizePassword } from "./passwords.ts";

export const MIN_PASSWORD_LENGTH = 12;
/** Long passphrases are welcome; this only stops megabyte bodies from reaching argon2. */
export const MAX_PASSWORD_LENGTH = 1024;

export type PasswordViolation = "too-short" | "too-long" | "common" | "matches-email";

export interface PasswordPolicyProblem {
	code: PasswordViolation;
	message: string;
}

export type PasswordPolicyResult = { ok: true } | { ok: false; problems: PasswordPolicyProblem[] };

const COMMON_PASSWORDS_FILE = new URL("../data/common-passwords.txt", import.meta.url);

/** Parses the list format: one password a line, lines starting with "# " are comments. */
export function parseCommonPasswords(text: string): ReadonlySet<string> {
	const entries = new Set<string>();
	for (const line of text.split("\n")) {
		if (line === "" || line.startsWith("# ")) continue;
		entries.add(normalizePassword(line).toLowerCase());
	}
	return entries;
}

let shipped: ReadonlySet<string> | undefined;

/** The list shipped in services/auth/data, read once on first use. */
export function shippedCommonPasswords(): ReadonlySet<string> {
	shipped ??= parseCommonPasswords(readFileSync(COMMON_PASSWORDS_FILE, "utf8"));
	return shipped;
}

export interface PasswordPolicyContext {
	email?: string;
	/** Defaults to the shipped list; tests and operators may pass their own. */
	commonPasswords?: ReadonlySet<string>;
}

export function checkPasswordPolicy(password: string, context: PasswordPolicyContext = {}): PasswordPolicyResult {
	const normalized = normalizePassword(password);
	const folded = normalized.toLowerCase();
	const length = [...normalized].length;
	const problems: PasswordPolicyProblem[] = [];

	if (length < MIN_PASSWORD_LENGTH) {
		problems.push({ code: "too-short", message: `Use at least ${MIN_PASSWORD_LENGTH} characters (this one has ${length}).` });
	}
	if (length > MAX_PASSWORD_LENGTH) {
		problems.push({ code: "too-long", message: `Use at most ${MAX_PASSWORD_LENGTH} characters.` });
	}
	if ((context.commonPasswords ?? shippedCommonPasswords()).has(folded)) {
		problems.push({ code: "common", message: "This password appears in lists of common passwords; choose another." });
	}
	if (context.email !== undefined) {
		const email = normalizePassword(context.email.trim()).toLowerCase();
		const at = email.lastIndexOf("@");
		const localPart = at > 0 ? email.slice(0, at) : email;
		if (folded === email || folded === localPart) {
			problems.push({ code: "matches-email", message: "The password must not be your email address or its name part." });
		}
	}
	return problems.length === 0 ? { ok: true } : { ok: false, problems };
}
