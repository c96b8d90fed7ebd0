/**
 * The access-token keyring a node builds from its variables: RS256/ES256 key files when they are set
 * (a gateway node may hold only the public key), HS256 from JWT_SECRET otherwise. The auth service
 * signs with it; the gateway only verifies, so every gateway node must see the same keys.
 */
import { readFileSync } from "node:fs";
import type { Env } from "../runtime/env.ts";
import { type JwtKeyring, type JwtSettings, DEFAULT_JWT_SETTINGS, keyFromPem, keyringFromSecrets } from "./jwt.ts";

export function keyringFromEnv(env: Env): JwtKeyring {
	if (env.jwtPrivateKeyFile || env.jwtPublicKeyFile) {
		const key = keyFromPem(env.jwtKeyId, {
			...(env.jwtPrivateKeyFile ? { privateKey: readFileSync(env.jwtPrivateKeyFile, "utf8") } : {}),
			...(env.jwtPublicKeyFile ? { publicKey: readFileSync(env.jwtPublicKeyFile, "utf8") } : {})
		});
		// createKeyring insists on a signing key; a verify-only node keeps the same shape without one.
		return { signingKid: key.kid, keys: new Map([[key.kid, key]]) };
	}
	return keyringFromSecrets(env.jwtSecret);
}

export const JWT_SETTINGS: Readonly<JwtSettings> = DEFAULT_JWT_SETTINGS;
