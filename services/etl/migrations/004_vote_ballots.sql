-- A vote's ballots are stored as one row: parallel arrays, one element per ballot, in politician
-- order (docs/decisions/0008-ballots-stored-per-vote.md). A vote's ballots are published, read and
-- changed together (a division list), and one row per ballot made them the cost of every load:
-- a million 100-byte rows under two btrees loaded at a fifth of a bare COPY, where 2,500 vote rows
-- load at the speed of the bytes. `etl.ballots` stays, as a view with the same columns as before
-- (less the per-ballot content hash), so readers still see one row per ballot.
CREATE TABLE vote_ballots (
	session text NOT NULL,
	vote_number integer NOT NULL,
	politician_slugs text[] NOT NULL,
	membership_ids text[] NOT NULL,
	ballots text[] NOT NULL,
	dissent boolean[] NOT NULL,
	-- Lineage per ballot: the 1-based position, in document_keys/document_hashes, of the raw
	-- document (a list page) the ballot was loaded from.
	document_index smallint[] NOT NULL,
	document_keys text[] NOT NULL,
	document_hashes text[] NOT NULL,
	-- sha256 of the ballots themselves (not their lineage): what change detection compares.
	source text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (session, vote_number),
	CHECK (
		cardinality(membership_ids) = cardinality(politician_slugs)
		AND cardinality(ballots) = cardinality(politician_slugs)
		AND cardinality(dissent) = cardinality(politician_slugs)
		AND cardinality(document_index) = cardinality(politician_slugs)
		AND cardinality(document_hashes) = cardinality(document_keys)
	)
);

-- Ballots loaded before this migration move over, a vote at a time, in politician order; each vote's
-- distinct pages become its document arrays, and each ballot the position of its page in them.
WITH pages AS (
	SELECT session, vote_number, document_key, document_hash,
		row_number() OVER (PARTITION BY session, vote_number ORDER BY document_key, document_hash) AS position
	FROM ballots GROUP BY session, vote_number, document_key, document_hash
), page_arrays AS (
	SELECT session, vote_number, array_agg(document_key ORDER BY position) AS keys, array_agg(document_hash ORDER BY position) AS hashes
	FROM pages GROUP BY session, vote_number
)
INSERT INTO vote_ballots (session, vote_number, politician_slugs, membership_ids, ballots, dissent, document_index, document_keys, document_hashes, source, content_hash, run_id, created_at, updated_at)
SELECT b.session, b.vote_number,
	array_agg(b.politician_slug ORDER BY b.politician_slug COLLATE "C"),
	array_agg(b.membership_id ORDER BY b.politician_slug COLLATE "C"),
	array_agg(b.ballot ORDER BY b.politician_slug COLLATE "C"),
	array_agg(b.dissent ORDER BY b.politician_slug COLLATE "C"),
	array_agg(p.position::smallint ORDER BY b.politician_slug COLLATE "C"),
	a.keys, a.hashes, min(b.source),
	-- Recomputed by the next run that reads the vote: a value no hash equals, so the vote is rewritten once.
	'migrated',
	max(b.run_id), min(b.created_at), max(b.updated_at)
FROM ballots b
JOIN pages p USING (session, vote_number, document_key, document_hash)
JOIN page_arrays a USING (session, vote_number)
GROUP BY b.session, b.vote_number, a.keys, a.hashes;

DROP TABLE ballots;

-- One row per ballot, as readers expect. A vote's ballots: WHERE session = $1 AND vote_number = $2
-- (the primary key, then one row unnested). A member's record in a session: WHERE session = $1 AND
-- politician_slug = $2 reads that session's vote rows (about a thousand) and picks one element each.
CREATE VIEW ballots AS
SELECT v.session, v.vote_number, b.politician_slug, b.membership_id, b.ballot, b.dissent,
	v.source, v.document_keys[b.document] AS document_key, v.document_hashes[b.document] AS document_hash,
	v.run_id, v.created_at, v.updated_at
FROM vote_ballots v
CROSS JOIN LATERAL unnest(v.politician_slugs, v.membership_ids, v.ballots, v.dissent, v.document_index) AS b(politician_slug, membership_id, ballot, dissent, document);

-- A member's ballots in a session without unnesting every vote: each of the session's vote rows
-- gives the one element at the member's position (8 ms for a session of 1,000 votes of 340 members,
-- where filtering the view by politician_slug takes 80 ms).
CREATE FUNCTION politician_ballots(p_session text, p_slug text)
RETURNS TABLE (session text, vote_number integer, politician_slug text, membership_id text, ballot text, dissent boolean,
	source text, document_key text, document_hash text, run_id text, created_at timestamptz, updated_at timestamptz)
-- The search path the migration ran with (schema etl), whoever calls it.
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
	SELECT v.session, v.vote_number, v.politician_slugs[i], v.membership_ids[i], v.ballots[i], v.dissent[i],
		v.source, v.document_keys[v.document_index[i]], v.document_hashes[v.document_index[i]], v.run_id, v.created_at, v.updated_at
	FROM vote_ballots v, array_position(v.politician_slugs, p_slug) AS i
	WHERE v.session = p_session AND i IS NOT NULL
	ORDER BY v.vote_number
$$;
