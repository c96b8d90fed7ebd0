-- The document store on PostgreSQL (used when MONGO_URL is unset): raw source documents kept for
-- ETL lineage and replay, and the append-only audit log. Same fields as the MongoDB collections.

CREATE TABLE raw_documents (
	id uuid PRIMARY KEY,
	source text NOT NULL,
	key text NOT NULL,
	checksum text NOT NULL,
	run_id text,
	url text,
	content_type text NOT NULL,
	fetched_at timestamptz NOT NULL,
	body jsonb NOT NULL,
	-- The same content fetched again is the same document: re-runs do not grow the store.
	UNIQUE (source, key, checksum)
);
CREATE INDEX raw_documents_run ON raw_documents (run_id, fetched_at);
CREATE INDEX raw_documents_source ON raw_documents (source, fetched_at);

-- ids are UUIDv7 (time-ordered), so (at, id) orders events written in the same millisecond.
CREATE TABLE audit_log (
	id uuid PRIMARY KEY,
	at timestamptz NOT NULL,
	actor text NOT NULL,
	action text NOT NULL,
	target text,
	request_id text,
	data jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor ON audit_log (actor, at DESC);
CREATE INDEX audit_log_action ON audit_log (action, at DESC);
CREATE INDEX audit_log_target ON audit_log (target, at DESC);
