/**
 * What a new password must satisfy (NIST SP 800-63B and OWASP ASVS 2.1 style: length and a
 * blocklist, no composition rules). The rules judge what a person sees: NFKC, no control or
 * invisible characters (refused outright), whitespace runs collapsed to one space, trimmed. Lengths
 * count code points of that, so twelve spaces or twelve zero-width spaces are not twelve
 * characters, and "Password1234 " or a listed password with an invisible character inside it is
 * still the listed password. The hash keeps the password as typed (NFKC only, passwords.ts), so
 * every stored hash still verifies.
 */
import { readFileSync } from "node:fs";
import { normalizeEmail } from "./emails.ts";
import { hasInvisibleCharacters, withoutInvisibleCharacters } from "./invisible-characters.ts";
import { normalizePassword } from "./passwords.ts";

export const MIN_PASSWORD_LENGTH = 12;
/** Long passphrases are welcome; this only stops megabyte bodies from reaching argon2. */
export const MAX_PASSWORD_LENGTH = 1024;

export type PasswordViolation = "invisible-characters" | "too-short" | "too-long" | "common" | "matches-email";

export interface PasswordPolicyProblem {
	code: PasswordViolation;
	message: string;
}

export type PasswordPolicyResult = { ok: true } | { ok: false; problems: PasswordPolicyProblem[] };

/** The password as the rules judge it (see the header): what is left that a person can see. */
export function visiblePassword(password: string): string {
	return withoutInvisibleCharacters(normalizePassword(password)).replace(/\s+/gu, " ").trim();
}

const COMMON_PASSWORDS_FILE = new URL("../data/common-passwords.txt", import.meta.url);

/** Parses the list format: one password a line, lines starting with "# " are comments. */
export function parseCommonPasswords(text: string): ReadonlySet<string> {
	const entries = new Set<string>();
	for (const line of text.split("\n")) {
		if (line === "" || line.startsWith("# ")) continue;
		entries.add(visiblePassword(line).toLowerCase());
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
	const visible = visiblePassword(password);
	const folded = visible.toLowerCase();
	const length = [...visible].length;
	const problems: PasswordPolicyProblem[] = [];

	if (hasInvisibleCharacters(normalizePassword(password))) {
		problems.push({ code: "invisible-characters", message: "Remove control and invisible characters (such as NUL, tabs or zero-width spaces)." });
	}

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
		const normalized = normalizeEmail(context.email);
		const email = normalized.ok ? normalized.email : visiblePassword(context.email).toLowerCase();
		const at = email.lastIndexOf("@");
		const localPart = at > 0 ? email.slice(0, at) : email;
		if (folded === email || folded === localPart) {
			problems.push({ code: "matches-email", message: "The password must not be your email address or its name part." });
		}
	}
	return problems.length === 0 ? { ok: true } : { ok: false, problems };
}
