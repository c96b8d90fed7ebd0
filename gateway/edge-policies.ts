/**
 * What the edge does differently for some actions, keyed by the action a request resolves to,
 * never by how its path is spelt. moleculer-web matches routes case-insensitively (path-to-regexp's
 * default) and trims a trailing slash, so `/API/V1/auth/LOGIN/` reaches `auth.login` as surely as
 * `/api/v1/auth/login`; issue 9 saw a limit keyed by the exact path let 531 password checks in 19 s
 * from one address. One table, so a reviewer sees every action the edge treats specially.
 *
 * - `signIn`: counted against the tight per-address sign-in limit (password and TOTP guessing).
 * - `noStore`: the answer carries a token, an API key, a TOTP secret, recovery codes or the caller's
 *   own account, so it gets `Cache-Control: no-store` (RFC 6749 §5.1), error answers included.
 *
 * An action added later that returns such things (a `/me/...` route, a device's push token) gets
 * its line here.
 */

export interface EdgePolicy {
	signIn?: true;
	noStore?: true;
}

const SIGN_IN: EdgePolicy = { signIn: true, noStore: true };
const SECRET_BEARING: EdgePolicy = { noStore: true };

export const EDGE_POLICIES: Readonly<Record<string, EdgePolicy>> = {
	"auth.login": SIGN_IN,
	"auth.mfaVerify": SIGN_IN,
	"auth.register": SIGN_IN,
	"auth.refresh": SECRET_BEARING,
	"auth.logout": SECRET_BEARING,
	"auth.mfaEnroll": SECRET_BEARING,
	"auth.mfaActivate": SECRET_BEARING,
	"auth.me": SECRET_BEARING,
	"auth.changePassword": SECRET_BEARING,
	"auth.createApiKey": SECRET_BEARING,
	"auth.listApiKeys": SECRET_BEARING,
	"auth.revokeApiKey": SECRET_BEARING
};

const NONE: EdgePolicy = {};

export function edgePolicyOf(action: string | undefined): EdgePolicy {
	return (action !== undefined ? EDGE_POLICIES[action] : undefined) ?? NONE;
}
