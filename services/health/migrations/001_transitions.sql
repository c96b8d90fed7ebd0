-- The cluster's history of transitions (node, service, transporter, circuit), kept across restarts.
-- Written by the health replica that announces a change, so several replicas do not record it twice.
CREATE TABLE transitions (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind text NOT NULL CHECK (kind IN ('node', 'service', 'transporter', 'circuit')),
	subject text NOT NULL,
	from_status text NOT NULL,
	to_status text NOT NULL,
	at timestamptz NOT NULL,
	reason text,
	observer text NOT NULL
);
CREATE INDEX transitions_at ON transitions (at DESC, id DESC);
CREATE INDEX transitions_subject ON transitions (kind, subject, at DESC);
