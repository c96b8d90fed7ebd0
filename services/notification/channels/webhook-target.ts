/**
 * Which webhook URLs are accepted: http(s) only, no credentials in the URL, and a host that
 * resolves only to public addresses unless the operator allowed the network
 * (WEBHOOK_ALLOW_PRIVATE_NETWORKS). Checked when the webhook is registered, so the owner hears it
 * at once, and again at every connection (guarded-lookup.ts), since DNS answers change.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { AddressPolicy } from "../../../runtime/net/address-policy.ts";

export type TargetVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export async function checkWebhookUrl(raw: string, policy: AddressPolicy, timeoutMs = 3_000): Promise<TargetVerdict> {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		return { ok: false, reason: "is not a URL" };
	}
	if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "must be an http or https URL" };
	if (url.username !== "" || url.password !== "") return { ok: false, reason: "must not carry credentials; the signature authenticates deliveries" };
	const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
	let addresses: string[];
	if (isIP(host) !== 0) addresses = [host];
	else {
		try {
			const answer = await Promise.race([
				lookup(host, { all: true }),
				new Promise<never>((_, reject) => setTimeout(() => reject(new Error("DNS lookup timed out")), timeoutMs).unref())
			]);
			addresses = answer.map((a) => a.address);
		} catch (err) {
			return { ok: false, reason: `host does not resolve (${err instanceof Error ? err.message : String(err)})` };
		}
	}
	const refused = addresses.find((a) => !policy.permits(a));
	if (refused !== undefined) return { ok: false, reason: `resolves to ${refused}, a loopback, private or link-local address (an operator may allow it with WEBHOOK_ALLOW_PRIVATE_NETWORKS)` };
	return { ok: true, url };
}
