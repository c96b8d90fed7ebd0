/**
 * A socket `lookup` that judges every address a name resolves to with an AddressPolicy
 * (address-policy.ts), so the check happens at connect time on the address actually used: a public
 * name pointing at 127.0.0.1, or a DNS answer that changes between a check and the connection, is
 * refused like the literal address would be. Shared by the ETL's fetcher and the notification
 * service's webhooks (the two places the platform connects to URLs others chose).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP } from "node:net";
import type { AddressPolicy } from "./address-policy.ts";

/** A name resolved to, or a URL named, an address the policy refuses. Never retried. */
export class RefusedAddressError extends Error {
	override name = "RefusedAddressError";
}

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Refuses the whole answer when any address in it is refused: a name with one public and one
 * private record must not reach the private one on a retry. `hint` names the setting that allows
 * a network (ETL_ALLOW_PRIVATE_NETWORKS, WEBHOOK_ALLOW_PRIVATE_NETWORKS).
 */
export function guardedLookup(policy: AddressPolicy, hint: string) {
	return (hostname: string, options: { all?: boolean; family?: number | "IPv4" | "IPv6" }, callback: LookupCallback): void => {
		dnsLookup(hostname, { ...options, all: true }, (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
			if (err) return callback(err, []);
			const refused = addresses.find((a) => !policy.permits(a.address));
			if (refused) return callback(new RefusedAddressError(`${hostname} resolves to ${refused.address}, a non-public address (allow it with ${hint})`), []);
			const first = addresses[0];
			if (options.all) return callback(null, addresses);
			if (!first) return callback(new RefusedAddressError(`${hostname} has no address`), []);
			return callback(null, first.address, first.family);
		});
	};
}

/** A literal address in a URL's host is judged before any connection is tried. */
export function refusedLiteral(policy: AddressPolicy, host: string): boolean {
	const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
	return isIP(bare) !== 0 && !policy.permits(bare);
}

/** The RefusedAddressError somewhere in an error's cause chain (undici wraps the lookup's error). */
export function refusedCause(error: unknown): RefusedAddressError | undefined {
	for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof RefusedAddressError) return e;
	return undefined;
}
