/**
 * The one grammar shared by role permissions and API-key scopes, so an action declares a single
 * vocabulary whoever calls it.
 *
 *   scope    = name ":" name          e.g. "etl:run", "read:public"
 *   grant    = scope | name ":*"       "etl:*" grants every "etl:<action>"
 *   name     = [a-z][a-z0-9-]{0,31}
 *
 * There is deliberately no bare "*": a grant that covers everything is a role (admin), never a key.
 */

const NAME = "[a-z][a-z0-9-]{0,31}";
const SCOPE_PATTERN = new RegExp(`^${NAME}:${NAME}$`);
const GRANT_PATTERN = new RegExp(`^${NAME}:(?:${NAME}|\\*)$`);

/** A concrete scope, as an action requires it. */
export function isValidScope(value: string): boolean {
	return SCOPE_PATTERN.test(value);
}

/** A scope or a namespace wildcard, as a key or a role holds it. */
export function isValidGrant(value: string): boolean {
	return GRANT_PATTERN.test(value);
}

/**
 * True when one of `granted` covers `required`. Malformed entries on either side never match, so a
 * typo narrows access instead of widening it.
 */
export function hasScope(granted: readonly string[], required: string): boolean {
	if (!isValidScope(required)) return false;
	const namespace = required.slice(0, required.indexOf(":"));
	return granted.some((grant) => isValidGrant(grant) && (grant === required || grant === `${namespace}:*`));
}
