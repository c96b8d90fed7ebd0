-- Central configuration (issue 12): one row per change, never updated or deleted. The latest row of a
-- key is its current value; `version` grows with every change of any key, so the highest one is the
-- cluster's configuration revision. Writes are serialised by an advisory lock (config-store.ts), so
-- versions are committed in order and a node that has seen revision N has seen every change up to N.
CREATE TABLE versions (
	version bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key text NOT NULL CHECK (length(key) <= 100),
	owner text NOT NULL,
	-- NULL: back to the declared default (each node's own default applies).
	value jsonb,
	kind text NOT NULL CHECK (kind IN ('set', 'rollback')),
	-- For a rollback: the version whose value was restored (NULL when that was the default).
	rollback_of bigint REFERENCES versions (version),
	-- The audit trail: who (user:<id>, or node:<id> for the platform's own calls), why, from where.
	changed_by text NOT NULL,
	reason text NOT NULL,
	request_id text,
	client_ip text,
	changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX versions_key ON versions (key, version DESC);
CREATE INDEX versions_owner ON versions (owner, key, version DESC);
