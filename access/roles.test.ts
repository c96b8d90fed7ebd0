import { describe, expect, it } from "vitest";
import { PERMISSIONS, ROLES, declarationProblems, isAllowed, requiresSecondFactor, roleRank } from "./roles.ts";
import type { Principal, Role } from "./roles.ts";

const user = (role: Role): Principal => ({ kind: "user", userId: `u-${role}`, role });
const key = (...scopes: string[]): Principal => ({ kind: "api-key", keyId: "k-1", scopes });
const anonymous: Principal = { kind: "anonymous" };

describe("roles and permissions", () => {
	it("order citizen < editor < operator < admin, and ask a second factor of operator and admin", () => {
		expect([...ROLES].sort((a, b) => roleRank(a) - roleRank(b))).toEqual(["citizen", "editor", "operator", "admin"]);
		expect(ROLES.filter(requiresSecondFactor)).toEqual(["operator", "admin"]);
	});

	it("deny an action that declares nothing, to everyone including admin", () => {
		for (const principal of [anonymous, user("admin"), key("etl:*")]) {
			expect(isAllowed(principal, undefined)).toBe(false);
			expect(isAllowed(principal, [])).toBe(false);
		}
	});

	it("let anyone call a public action", () => {
		for (const principal of [anonymous, user("citizen"), key("read:public")]) expect(isAllowed(principal, ["public"])).toBe(true);
	});

	it("follow the matrix of the issue", () => {
		const expected: Record<string, Role[]> = {
			"account:self": ["citizen", "editor", "operator", "admin"],
			"follows:write": ["citizen", "editor", "operator", "admin"],
			"data:correct": ["editor", "admin"],
			"health:read": ["operator", "admin"],
			"monitoring:read": ["operator", "admin"],
			"etl:run": ["operator", "admin"],
			"deployment:write": ["operator", "admin"],
			"config:write": ["operator", "admin"],
			"users:manage": ["admin"],
			"api-keys:manage": ["admin"]
		};
		for (const [permission, roles] of Object.entries(expected)) {
			expect(ROLES.filter((role) => isAllowed(user(role), [permission])), permission).toEqual(roles);
			expect(isAllowed(anonymous, [permission])).toBe(false);
		}
	});

	it("give admin every declared permission", () => {
		for (const permission of PERMISSIONS) expect(isAllowed(user("admin"), [permission])).toBe(true);
	});

	it("require every listed permission", () => {
		expect(isAllowed(user("operator"), ["etl:run", "health:read"])).toBe(true);
		expect(isAllowed(user("operator"), ["etl:run", "users:manage"])).toBe(false);
	});

	it("let an API key do only what its scopes say, and never people's administration", () => {
		expect(isAllowed(key("etl:run"), ["etl:run"])).toBe(true);
		expect(isAllowed(key("etl:run"), ["etl:read"])).toBe(false);
		expect(isAllowed(key("etl:*"), ["etl:read"])).toBe(true);
		expect(isAllowed(key("read:public"), ["account:self"])).toBe(false);
		// Even a key whose row was edited to hold it cannot manage users.
		expect(isAllowed(key("users:manage"), ["users:manage"])).toBe(false);
	});

	it("deny and report declarations with unknown permissions, so typos surface at start", () => {
		expect(isAllowed(user("admin"), ["etl:runn"])).toBe(false);
		expect(declarationProblems(["etl:runn", "public"])).toEqual(['unknown permission "etl:runn"']);
		expect(declarationProblems(undefined)).toEqual(["declares no permissions"]);
		expect(declarationProblems(["etl:run", "public"])).toEqual([]);
	});
});
