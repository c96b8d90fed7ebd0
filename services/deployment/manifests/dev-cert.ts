/**
 * `npm run deploy -- dev-cert`: a self-signed certificate and its key for development TLS (nginx in
 * front of the gateway, deploy/nginx.conf). OpenSSL's command line, which every Debian and the
 * nginx image have: node:crypto makes keys but cannot issue an X.509 certificate.
 */
import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface DevCert {
	cert: string;
	key: string;
}

export async function makeDevCert(outDir: string, hosts: readonly string[] = ["localhost", "127.0.0.1", "::1"], days = 30): Promise<DevCert> {
	await mkdir(outDir, { recursive: true });
	const cert = path.join(outDir, "dev.crt");
	const key = path.join(outDir, "dev.key");
	const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
	await run(
		"openssl",
		["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", String(days), "-subj", `/CN=${hosts[0] ?? "localhost"}`, "-addext", `subjectAltName=${san}`],
		{ timeout: 20_000 }
	);
	return { cert, key };
}
