/**
 * Who is at the other end of a request, as far as the gateway may believe it: the client's address
 * and whether it connected over TLS. Forwarding headers are believed only for the number of proxies
 * TRUST_PROXY names; otherwise any client could pick its own address and escape its rate limit.
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

function header(req: IncomingMessage, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value.join(",") : value;
}

/** With N trusted proxies, the address the outermost trusted proxy saw is the Nth from the right. */
export function clientIp(req: IncomingMessage, trustedProxies: number): string {
	const socketAddress = req.socket.remoteAddress ?? "unknown";
	if (trustedProxies <= 0) return socketAddress;
	const hops = (header(req, "x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter((h) => h !== "");
	return hops[hops.length - trustedProxies] ?? hops[0] ?? socketAddress;
}

export function cameOverTls(req: IncomingMessage, trustedProxies: number): boolean {
	if ((req.socket as Partial<TLSSocket>).encrypted === true) return true;
	if (trustedProxies <= 0) return false;
	const proto = header(req, "x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
	return proto === "https";
}
