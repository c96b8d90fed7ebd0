/**
 * The principal a call carries in `ctx.meta`: the gateway writes it, the permissions middleware
 * and the services read it, so the key and the reading live here, below all three.
 */
import { type Principal, isRole } from "./roles.ts";

export const PRINCIPAL_META = "principal";

/** The principal a call carries, or undefined for the platform's own calls; malformed meta is anonymous. */
export function principalOf(meta: unknown): Principal | undefined {
	if (typeof meta !== "object" || meta === null || !(PRINCIPAL_META in meta)) return undefined;
	const raw = (meta as Record<string, unknown>)[PRINCIPAL_META];
	if (raw === undefined || raw === null) return undefined;
	if (typeof raw !== "object") return { kind: "anonymous" };
	const p = raw as Record<string, unknown>;
	if (p.kind === "user" && typeof p.userId === "string" && isRole(p.role)) return { kind: "user", userId: p.userId, role: p.role };
	if (p.kind === "api-key" && typeof p.keyId === "string" && Array.isArray(p.scopes)) {
		return { kind: "api-key", keyId: p.keyId, scopes: p.scopes.filter((s): s is string => typeof s === "string") };
	}
	return { kind: "anonymous" };
}

