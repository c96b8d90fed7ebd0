-- The wanted topology (issue 15): one row per version, never updated; the highest is in force.
CREATE TABLE topology_versions (
	version bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- { "<service>": { "replicas": n, "version": "1.4.2" | null } }
	services jsonb NOT NULL,
	-- Who (user:<id>, key:<id>, or console@<node>), why, when.
	changed_by text NOT NULL,
	reason text NOT NULL,
	changed_at timestamptz NOT NULL DEFAULT now()
);

-- Rolling replacements and each of their steps.
CREATE TABLE rollouts (
	id text PRIMARY KEY,
	service text NOT NULL,
	nodes jsonb NOT NULL,
	state text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
	-- The deployment node running it: a running rollout whose runner left the cluster is over.
	runner text NOT NULL,
	started_by text NOT NULL,
	reason text NOT NULL,
	started_at timestamptz NOT NULL,
	finished_at timestamptz,
	report text
);
-- One rollout at a time across the cluster, enforced by the database.
CREATE UNIQUE INDEX rollouts_one_running ON rollouts ((true)) WHERE state = 'running';
CREATE INDEX rollouts_started ON rollouts (started_at DESC);

CREATE TABLE rollout_steps (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	rollout_id text NOT NULL REFERENCES rollouts (id),
	at timestamptz NOT NULL,
	node text,
	phase text NOT NULL,
	detail text NOT NULL
);
CREATE INDEX rollout_steps_rollout ON rollout_steps (rollout_id, id);
