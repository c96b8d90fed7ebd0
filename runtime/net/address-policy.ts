/**
 * Which network addresses the platform may connect to when someone else chose the URL (an ETL
 * source, a webhook): public ones, plus the private networks an operator names
 * (ETL_ALLOW_PRIVATE_NETWORKS, WEBHOOK_ALLOW_PRIVATE_NETWORKS). Checked on the address a name
 * resolved to, at connect time (guarded-lookup.ts), so a public name pointing at 127.0.0.1 or the
 * cloud metadata address, or a redirect to one, is refused like the literal address would be.
 *
 * Built on node:net's BlockList rather than a hand-written CIDR matcher. IPv4-mapped, NAT64 and
 * 6to4 IPv6 addresses carry an IPv4 address inside: that one is what is judged.
 */
import { BlockList, isIP } from "node:net";

/** Loopback, private, link-local, shared, reserved, documentation and multicast ranges (RFC 6890). */
const NON_PUBLIC_V4 = [
	"0.0.0.0/8",
	"10.0.0.0/8",
	"100.64.0.0/10",
	"127.0.0.0/8",
	"169.254.0.0/16",
	"172.16.0.0/12",
	"192.0.0.0/24",
	"192.0.2.0/24",
	"192.88.99.0/24",
	"192.168.0.0/16",
	"198.18.0.0/15",
	"198.51.100.0/24",
	"203.0.113.0/24",
	"224.0.0.0/4",
	"240.0.0.0/4"
];
const NON_PUBLIC_V6 = ["::/128", "::1/128", "::/96", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"];

const nonPublic = new BlockList();
for (const net of NON_PUBLIC_V4) addSubnet(nonPublic, net);
for (const net of NON_PUBLIC_V6) addSubnet(nonPublic, net);

function addSubnet(list: BlockList, cidr: string): void {
	const [address = "", prefixText] = cidr.split("/");
	const family = isIP(address);
	if (family === 0) throw new Error(`"${cidr}" is not an IP address or network`);
	const max = family === 4 ? 32 : 128;
	const prefix = prefixText === undefined ? max : Number(prefixText);
	if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) throw new Error(`"${cidr}" has a bad prefix length`);
	list.addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6");
}

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
	if (isIP(address) !== 6) return undefined;
	let text = address.toLowerCase();
	const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (v4?.[1]) {
		const parts = v4[1].split(".").map(Number);
		text = `${text.slice(0, -v4[1].length)}${(((parts[0] ?? 0) << 8) | (parts[1] ?? 0)).toString(16)}:${(((parts[2] ?? 0) << 8) | (parts[3] ?? 0)).toString(16)}`;
	}
	const [head = "", tail] = text.split("::");
	const left = head === "" ? [] : head.split(":");
	const right = tail === undefined || tail === "" ? [] : tail.split(":");
	const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
	return [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16));
}

function v4From(high: number, low: number): string {
	return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** The IPv4 address an IPv6 address stands for (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16). */
export function embeddedIpv4(address: string): string | undefined {
	const g = ipv6Groups(address);
	if (!g) return undefined;
	const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
	if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return v4From(g6, g7);
	if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4From(g6, g7);
	if (g0 === 0x2002) return v4From(g1, g2);
	return undefined;
}

export interface AddressPolicy {
	/** True when a connection to this resolved address is allowed. */
	permits(address: string): boolean;
}

/**
 * `allowPrivate`: networks (CIDR, or a single address) the operator allows although they are not
 * public, e.g. a mirror at 10.0.4.2 or, in tests, the local server at 127.0.0.1. Throws on a typo,
 * so a bad ETL_ALLOW_PRIVATE_NETWORKS fails at start, not at the first run.
 */
export function addressPolicy(allowPrivate: readonly string[] = []): AddressPolicy {
	const allowed = new BlockList();
	for (const entry of allowPrivate) addSubnet(allowed, entry.trim());
	const judge = (address: string): boolean => {
		const family = isIP(address);
		if (family === 0) return false;
		const type = family === 4 ? "ipv4" : "ipv6";
		if (allowed.check(address, type)) return true;
		const inner = family === 6 ? embeddedIpv4(address) : undefined;
		if (inner !== undefined) return allowed.check(inner, "ipv4") || !nonPublic.check(inner, "ipv4");
		return !nonPublic.check(address, type);
	};
	return { permits: judge };
}

/** A comma-separated list of networks (ETL_ALLOW_PRIVATE_NETWORKS, ...); checked at once for typos. */
export function parsePrivateNetworkAllowlist(raw: string | undefined, variable = "ETL_ALLOW_PRIVATE_NETWORKS"): string[] {
	const entries = (raw ?? "").split(",").map((e) => e.trim()).filter((e) => e !== "");
	try {
		addressPolicy(entries);
	} catch (err) {
		throw new Error(`${variable}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
	}
	return entries;
}
