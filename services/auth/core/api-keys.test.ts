import { describe, expect, it } from "vitest";
import { ApiKeyScopeError, createApiKey, hashApiKey, verifyApiKey } from "./api-keys.ts";
import { apiKeyFromHeaders, apiKeyPrefix } from "../../../access/api-key-format.ts";
import { hasScope } from "../../../access/scopes.ts";

describe("API keys", () => {
	it("look like op_<prefix>_<secret>, and the stored part is the prefix plus a hash", () => {
		const created = createApiKey(["etl:run", "read:public"]);
		expect(created.key).toMatch(/^op_[0-9A-Za-z]{10}_[0-9A-Za-z]{40}$/);
		expect(apiKeyPrefix(created.key)).toBe(created.prefix);
		expect(created.hash).toBe(hashApiKey(created.key));
		expect(created.hash).not.toContain(created.key.slice(14));
		expect(created.scopes).toEqual(["etl:run", "read:public"]);
	});

	it("verify only the exact key against its stored hash", () => {
		const { key, hash } = createApiKey(["read:public"]);
		expect(verifyApiKey(key, hash)).toBe(true);
		const last = key.at(-1) === "a" ? "b" : "a";
		expect(verifyApiKey(`${key.slice(0, -1)}${last}`, hash)).toBe(false);
		expect(verifyApiKey(key, createApiKey(["read:public"]).hash)).toBe(false);
		expect(verifyApiKey("op_short_key", hash)).toBe(false);
		expect(verifyApiKey(key, "not-hex")).toBe(false);
	});

	it("refuse scopes outside the grammar or reserved for people", () => {
		expect(() => createApiKey([])).toThrow(ApiKeyScopeError);
		expect(() => createApiKey(["*"])).toThrow(/\*/);
		expect(() => createApiKey(["ETL:run"])).toThrow(ApiKeyScopeError);
		expect(() => createApiKey(["users:manage"])).toThrow(/users:manage/);
		expect(() => createApiKey(["api-keys:*"])).toThrow(ApiKeyScopeError);
		expect(createApiKey(["etl:*", "etl:*"]).scopes).toEqual(["etl:*"]);
	});

	it("grant exactly the scopes they hold, with namespace wildcards", () => {
		expect(hasScope(["read:public"], "read:public")).toBe(true);
		expect(hasScope(["read:public"], "etl:run")).toBe(false);
		expect(hasScope(["etl:*"], "etl:run")).toBe(true);
		expect(hasScope(["etl:*"], "etl-extra:run")).toBe(false);
		expect(hasScope(["etl:run"], "etl:*")).toBe(false);
		expect(hasScope(["*"], "etl:run")).toBe(false);
		expect(hasScope(["etl:run "], "etl:run")).toBe(false);
	});

	it("are read from either header the gateway accepts", () => {
		const { key } = createApiKey(["read:public"]);
		expect(apiKeyFromHeaders({ authorization: `ApiKey ${key}` })).toBe(key);
		expect(apiKeyFromHeaders({ "x-api-key": ` ${key} ` })).toBe(key);
		expect(apiKeyFromHeaders({ authorization: `Bearer ${key}` })).toBeUndefined();
		expect(apiKeyFromHeaders({})).toBeUndefined();
	});
});
