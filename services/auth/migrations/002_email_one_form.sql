-- Addresses are stored in one form since issue 9: NFKC, trimmed, lower-case (services/auth/core/emails.ts),
-- so a look-alike spelling of an address cannot open a second account. Earlier rows are brought to that
-- form, except a row whose new form another row has or would get: merging accounts is an operator's call.
UPDATE users u SET email = lower(normalize(btrim(u.email), NFKC)), updated_at = now()
WHERE u.email <> lower(normalize(btrim(u.email), NFKC))
	AND NOT EXISTS (
		SELECT 1 FROM users o
		WHERE o.id <> u.id
			AND (lower(o.email) = lower(normalize(btrim(u.email), NFKC)) OR lower(normalize(btrim(o.email), NFKC)) = lower(normalize(btrim(u.email), NFKC)))
	);
