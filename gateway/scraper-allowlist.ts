/**
 * Addresses allowed to scrape `/metrics` without credentials (METRICS_ALLOW): a Prometheus inside
 * the network rarely holds a token. Node's own `net.BlockList` does the matching, IPv4-mapped IPv6
 * addresses (`::ffff:127.0.0.1`) included. Anyone else needs an operator's token or a key with
 * `monitoring:read`.
 */
import net from "node:net";

export const DEFAULT_METRICS_ALLOW = ["127.0.0.1", "::1"];

export class ScraperAllowlistError extends Error {
	override name = "ScraperAllowlistError";
}

export interface ScraperAllowlist {
	allows(address: string): boolean;
	/** The entries as configured, for logs and errors. */
	readonly entries: readonly string[];
}

/** Entries are addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`); a bad one fails at start. */
export function scraperAllowlist(entries: readonly string[]): ScraperAllowlist {
	const list = new net.BlockList();
	for (const entry of entries) {
		const [address = "", prefixText] = entry.split("/", 2);
		const family = net.isIPv4(address) ? "ipv4" : net.isIPv6(address) ? "ipv6" : undefined;
		if (!family) throw new ScraperAllowlistError(`METRICS_ALLOW entry "${entry}" is not an IP address or CIDR range`);
		if (prefixText === undefined) {
			list.addAddress(address, family);
			continue;
		}
		const prefix = Number(prefixText);
		if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === "ipv4" ? 32 : 128)) {
			throw new ScraperAllowlistError(`METRICS_ALLOW entry "${entry}" has a bad prefix length`);
		}
		list.addSubnet(address, prefix, family);
	}
	return {
		entries: [...entries],
		allows(address: string): boolean {
			if (net.isIPv4(address)) return list.check(address, "ipv4");
			if (net.isIPv6(address)) return list.check(address, "ipv6");
			return false;
		}
	};
}
