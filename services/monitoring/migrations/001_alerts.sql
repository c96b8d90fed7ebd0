-- Alerts with their history, silences, and the lease that lets one node evaluate the rules.

CREATE TABLE alerts (
	id text PRIMARY KEY,
	rule text NOT NULL,
	subject text NOT NULL,
	severity text NOT NULL CHECK (severity IN ('warning', 'critical')),
	state text NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
	summary text NOT NULL,
	value double precision,
	started_at timestamptz NOT NULL,
	fired_at timestamptz,
	resolved_at timestamptz,
	-- alert.fired went out (a silenced alert fires without it); alert.resolved follows only then.
	notified boolean NOT NULL DEFAULT false,
	acknowledged_by text,
	acknowledged_at timestamptz,
	updated_at timestamptz NOT NULL
);
-- Deduplication the database enforces: one pending or firing alert per rule and subject, even if
-- two evaluators overlapped for an instant.
CREATE UNIQUE INDEX alerts_one_active ON alerts (rule, subject) WHERE state IN ('pending', 'firing');
CREATE INDEX alerts_started ON alerts (started_at DESC, id DESC);

CREATE TABLE alert_history (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	alert_id text NOT NULL REFERENCES alerts (id),
	at timestamptz NOT NULL,
	from_state text NOT NULL,
	to_state text NOT NULL,
	node text NOT NULL,
	detail text
);
CREATE INDEX alert_history_alert ON alert_history (alert_id, id);

CREATE TABLE silences (
	id text PRIMARY KEY,
	rule text,
	subject text,
	reason text NOT NULL,
	created_by text NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX silences_expires ON silences (expires_at DESC);

-- The evaluator's lease: renewed every third of its TTL; another node takes it once it expired.
CREATE TABLE leases (
	name text PRIMARY KEY,
	holder text NOT NULL,
	acquired_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
