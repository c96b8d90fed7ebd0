/**
 * Roles, the permissions each one holds, and the one decision the authorization middleware asks:
 * may this principal run an action that declares these permissions?
 */
import { hasScope, isValidScope } from "./scopes.ts";

/** Ordered from least to most trusted; `roleRank` follows this order. */
export const ROLES = ["citizen", "editor", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Declared by actions anyone may call, signed in or not. Declaring nothing is not the same: it denies. */
export const PUBLIC_PERMISSION = "public";

/** Every permission an action may declare besides `public`. A declaration outside this list is a bug. */
export const PERMISSIONS = [
	"read:public", // public data through an identity, e.g. bulk export with an API key
	"account:self", // one's own profile, password, second factor, sessions
	"follows:write", // follows, support/oppose
	"webhooks:manage", // one's own webhooks (a user's, or an API key's)
	"notifications:read", // the delivery log of every user (operators)
	"data:correct", // editorial corrections of parliamentary data
	"health:read",
	"monitoring:read",
	"alerts:read",
	"alerts:manage",
	"etl:read",
	"etl:run",
	"deployment:read",
	"deployment:write",
	"config:read",
	"config:write",
	"users:read",
	"users:manage",
	"api-keys:manage",
	"audit:read"
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const CITIZEN: readonly Permission[] = ["read:public", "account:self", "follows:write", "webhooks:manage"];

/** Admin holds everything, including permissions added later, so it is not listed here. */
const ROLE_PERMISSIONS: Record<Exclude<Role, "admin">, readonly Permission[]> = {
	citizen: CITIZEN,
	editor: [...CITIZEN, "data:correct"],
	operator: [
		...CITIZEN,
		"health:read",
		"monitoring:read",
		"notifications:read",
		"alerts:read",
		"alerts:manage",
		"etl:read",
		"etl:run",
		"deployment:read",
		"deployment:write",
		"config:read",
		// Per key, the config service narrows it further: operator keys only (docs/decisions/0019).
		"config:write"
	]
};

/**
 * What an API key may be granted: machine work only. Account, user and key management stay with
 * people, so a leaked key cannot mint more keys or promote anyone.
 */
export const API_KEY_SCOPES: readonly Permission[] = [
	"read:public",
	"webhooks:manage",
	"data:correct",
	"health:read",
	"monitoring:read",
	"alerts:read",
	"etl:read",
	"etl:run",
	"deployment:read"
];

export type Principal =
	| { kind: "anonymous" }
	| { kind: "user"; userId: string; role: Role }
	| { kind: "api-key"; keyId: string; scopes: readonly string[] };

export function isRole(value: unknown): value is Role {
	return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function isPermission(value: string): value is Permission {
	return (PERMISSIONS as readonly string[]).includes(value);
}

export function roleRank(role: Role): number {
	return ROLES.indexOf(role);
}

/** The roles whose accounts can change the platform itself must sign in with a second factor. */
export function requiresSecondFactor(role: Role): boolean {
	return role === "operator" || role === "admin";
}

export function roleHasPermission(role: Role, permission: string): boolean {
	if (!isPermission(permission)) return false;
	return role === "admin" || ROLE_PERMISSIONS[role].includes(permission);
}

/** True when every scope is one a key may hold, including a wildcard over a key-grantable namespace. */
export function isApiKeyScope(scope: string): boolean {
	if (scope.endsWith(":*")) {
		const namespace = scope.slice(0, -1);
		return API_KEY_SCOPES.some((allowed) => allowed.startsWith(namespace));
	}
	return (API_KEY_SCOPES as readonly string[]).includes(scope);
}

/**
 * Problems with an action's declaration, empty when it is sound. The middleware runs this at service
 * start so a typo fails loudly instead of silently denying (or, for admin, silently allowing).
 */
export function declarationProblems(declared: readonly string[] | undefined): string[] {
	if (declared === undefined || declared.length === 0) return ["declares no permissions"];
	return declared
		.filter((p) => p !== PUBLIC_PERMISSION && !(isValidScope(p) && isPermission(p)))
		.map((p) => `unknown permission "${p}"`);
}

/**
 * All of `required` must be held (adding an entry can only narrow access). An action that declares
 * nothing, or anything unknown, is denied to everyone.
 */
export function isAllowed(principal: Principal, required: readonly string[] | undefined): boolean {
	if (declarationProblems(required).length > 0 || required === undefined) return false;
	return required.every((permission) => {
		if (permission === PUBLIC_PERMISSION) return true;
		switch (principal.kind) {
			case "anonymous":
				return false;
			case "user":
				return roleHasPermission(principal.role, permission);
			case "api-key":
				return isApiKeyScope(permission) && hasScope(principal.scopes, permission);
		}
	});
}
