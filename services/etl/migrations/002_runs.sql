-- Runs, their checkpoints, the data-quality issues they found and the per-source leases.

CREATE TABLE runs (
	id text PRIMARY KEY,
	source text NOT NULL,
	status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
	params jsonb NOT NULL DEFAULT '{}',
	node_id text NOT NULL,
	-- The interrupted run this one continued from its checkpoint.
	resumed_from text REFERENCES runs (id),
	-- The cron slot a scheduled run was started for: unique, so two nodes ticking together start one run.
	scheduled_for timestamptz,
	fetched integer NOT NULL DEFAULT 0,
	inserted integer NOT NULL DEFAULT 0,
	updated integer NOT NULL DEFAULT 0,
	unchanged integer NOT NULL DEFAULT 0,
	invalid integer NOT NULL DEFAULT 0,
	progress jsonb NOT NULL DEFAULT '{}',
	error text,
	cancel_requested boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL DEFAULT now(),
	started_at timestamptz,
	finished_at timestamptz,
	UNIQUE (source, scheduled_for)
);
CREATE INDEX runs_source_created ON runs (source, created_at DESC);
CREATE INDEX runs_created ON runs (created_at DESC);

-- The last committed position of a run: written in the transaction that loads the documents
-- before it, so a resumed run never skips a document that was not loaded.
CREATE TABLE run_checkpoints (
	run_id text PRIMARY KEY REFERENCES runs (id),
	source text NOT NULL,
	documents integer NOT NULL,
	position jsonb NOT NULL,
	counts jsonb NOT NULL,
	at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_quality_issues (
	id bigserial PRIMARY KEY,
	run_id text NOT NULL REFERENCES runs (id),
	source text NOT NULL,
	record_key text,
	reason text NOT NULL,
	raw jsonb,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_quality_issues_run ON data_quality_issues (run_id, id);
CREATE INDEX data_quality_issues_source ON data_quality_issues (source, created_at DESC);

-- One run per source across the cluster: the holder renews expires_at while it runs; a node that
-- dies stops renewing, and the next run may take the lease over once it has expired.
CREATE TABLE leases (
	source text PRIMARY KEY,
	run_id text NOT NULL,
	holder text NOT NULL,
	acquired_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL
);
