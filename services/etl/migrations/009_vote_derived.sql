-- What the voting record is counted from, kept beside the ballots (docs/decisions/0038-record-from-derived-tables.md):
-- each vote's per-party counts and position, and every ballot as a row of its member with its
-- party's position on that vote. Counting the party positions at read time unnested every vote a
-- member cast (about 930k ballots for one record on 1M ballots: 780 ms at the median).
--
-- Both are written by triggers on the rows they derive from (vote_ballots, memberships), in the
-- statement and so the transaction that changes those rows: the ETL's loader never commits ballots
-- without them, and nothing else can either. The triggers are statement-level with transition
-- tables, so a COPY of 50 vote rows refreshes them once, in set-based statements.
--
-- The definitions (README.md, "The voting record"; services/shared/voting-record-sql.ts):
-- a ballot's party is its membership's; Independents and ballots without a membership have no
-- party position; a party's position is the ballot (Yes or No) of a strict majority of its Yes/No
-- ballots, none on a tie or with fewer than two; its vote was free when at least 15 % of those
-- went against the position.

CREATE TABLE vote_party_positions (
	session text NOT NULL,
	vote_number integer NOT NULL,
	-- null: the ballots without a (known) membership
	party_key text,
	yes integer NOT NULL,
	no integer NOT NULL,
	paired integer NOT NULL,
	didnt_vote integer NOT NULL,
	position text CHECK (position IN ('Yes', 'No')),
	free_vote boolean NOT NULL,
	UNIQUE NULLS NOT DISTINCT (session, vote_number, party_key)
);

-- One row per ballot: a member's record reads only their own rows, through the btree on the slug.
CREATE TABLE member_ballots (
	politician_slug text NOT NULL,
	session text NOT NULL,
	vote_number integer NOT NULL,
	membership_id text,
	ballot text NOT NULL,
	-- The membership's party when the row was written: how a changed membership finds its stale rows.
	party_key text,
	party_position text CHECK (party_position IN ('Yes', 'No')),
	free_vote boolean NOT NULL
);
-- No primary key: one slug per vote is the vote row's (the loader keeps one ballot per member), and
-- a unique (slug, session, vote) btree took most of the write cost (measured, 1M ballots in one
-- refresh on a loaded machine: 3.9 s bare, 6.4 s with this index, 8-10 s with the primary key). A
-- slug-only btree deduplicates its 400 keys. A vote's rows are written together, so a BRIN range
-- index finds them for a rewrite at almost no write cost.
CREATE INDEX member_ballots_politician ON member_ballots (politician_slug);
CREATE INDEX member_ballots_vote ON member_ballots USING brin (session, vote_number) WITH (pages_per_range = 4);

CREATE FUNCTION party_position(p_party text, p_yes integer, p_no integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p_party IS NULL OR p_party IN ('independent') OR p_yes + p_no < 2 OR p_yes = p_no THEN NULL
		WHEN p_yes > p_no THEN 'Yes' ELSE 'No' END
$$;

-- Recounts the given votes from their vote_ballots rows and the memberships as they are now. The
-- votes' old rows go first unless `p_clear` is false (a new vote row has none). One statement: the
-- ballots are unnested once and joined to their counts by hash (a merge join sorted the million
-- ballots on disk; a plan made for an empty vote_party_positions looped over it per ballot).
CREATE FUNCTION refresh_vote_derived(p_sessions text[], p_numbers integer[], p_clear boolean) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT SET enable_mergejoin = off AS $$
BEGIN
	IF p_clear THEN
		DELETE FROM vote_party_positions p USING unnest(p_sessions, p_numbers) AS k(session, number)
		WHERE p.session = k.session AND p.vote_number = k.number;
		DELETE FROM member_ballots mb USING unnest(p_sessions, p_numbers) AS k(session, number)
		WHERE mb.session = k.session AND mb.vote_number = k.number;
	END IF;
	WITH ballots AS MATERIALIZED (
		SELECT v.session, v.vote_number, b.slug, b.membership_id, b.ballot, m.party_key
		FROM unnest(p_sessions, p_numbers) AS k(session, number)
		JOIN vote_ballots v ON v.session = k.session AND v.vote_number = k.number
		CROSS JOIN LATERAL unnest(v.politician_slugs, v.membership_ids, v.ballots) AS b(slug, membership_id, ballot)
		LEFT JOIN memberships m ON m.id = b.membership_id
	), counted AS MATERIALIZED (
		SELECT t.*, party_position(t.party_key, t.yes, t.no) AS position,
			coalesce(party_position(t.party_key, t.yes, t.no) IS NOT NULL AND least(t.yes, t.no) * 100 >= 15 * (t.yes + t.no), false) AS free_vote
		FROM (
			SELECT session, vote_number, party_key,
				count(*) FILTER (WHERE ballot = 'Yes')::int AS yes,
				count(*) FILTER (WHERE ballot = 'No')::int AS no,
				count(*) FILTER (WHERE ballot = 'Paired')::int AS paired,
				count(*) FILTER (WHERE ballot = 'Didn''t vote')::int AS didnt_vote
			FROM ballots GROUP BY session, vote_number, party_key
		) t
	), positions AS (
		INSERT INTO vote_party_positions (session, vote_number, party_key, yes, no, paired, didnt_vote, position, free_vote)
		SELECT session, vote_number, party_key, yes, no, paired, didnt_vote, position, free_vote FROM counted
	)
	INSERT INTO member_ballots (politician_slug, session, vote_number, membership_id, ballot, party_key, party_position, free_vote)
	SELECT b.slug, b.session, b.vote_number, b.membership_id, b.ballot, b.party_key, c.position, coalesce(c.free_vote, false)
	FROM ballots b LEFT JOIN counted c ON c.session = b.session AND c.vote_number = b.vote_number AND c.party_key = b.party_key;
END
$$;

CREATE FUNCTION vote_ballots_derive() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
	sessions text[];
	numbers integer[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(n.session), array_agg(n.vote_number) INTO sessions, numbers FROM new_rows n;
		IF sessions IS NOT NULL THEN PERFORM refresh_vote_derived(sessions, numbers, false); END IF;
	ELSIF TG_OP = 'UPDATE' THEN
		-- Old keys too: a row whose key changed leaves its old vote without ballots.
		SELECT array_agg(x.session), array_agg(x.vote_number) INTO sessions, numbers
		FROM (SELECT o.session, o.vote_number FROM old_rows o UNION SELECT n.session, n.vote_number FROM new_rows n) x;
		IF sessions IS NOT NULL THEN PERFORM refresh_vote_derived(sessions, numbers, true); END IF;
	ELSE
		SELECT array_agg(o.session), array_agg(o.vote_number) INTO sessions, numbers FROM old_rows o;
		IF sessions IS NOT NULL THEN PERFORM refresh_vote_derived(sessions, numbers, true); END IF;
	END IF;
	RETURN NULL;
END
$$;

-- A membership written, moved to another party or removed changes the party of the ballots that
-- name it: the votes whose member rows hold another party than the membership now has are recounted.
-- (Reading member_ballots by membership_id scans it; memberships change rarely, and the loader's
-- rerun over unchanged memberships writes none, so the trigger sees no rows.)
CREATE FUNCTION memberships_derive() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
	ids text[];
	sessions text[];
	numbers integer[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(n.id) INTO ids FROM new_rows n;
	ELSIF TG_OP = 'UPDATE' THEN
		SELECT array_agg(x.id) INTO ids FROM (SELECT n.id FROM new_rows n UNION SELECT o.id FROM old_rows o) x;
	ELSE
		SELECT array_agg(o.id) INTO ids FROM old_rows o;
	END IF;
	IF ids IS NULL THEN RETURN NULL; END IF;
	SELECT array_agg(a.session), array_agg(a.vote_number) INTO sessions, numbers FROM (
		SELECT DISTINCT mb.session, mb.vote_number
		FROM member_ballots mb LEFT JOIN memberships m ON m.id = mb.membership_id
		WHERE mb.membership_id = ANY(ids) AND mb.party_key IS DISTINCT FROM m.party_key
	) a;
	IF sessions IS NOT NULL THEN PERFORM refresh_vote_derived(sessions, numbers, true); END IF;
	RETURN NULL;
END
$$;

-- Transition tables allow one event per trigger.
CREATE TRIGGER vote_ballots_derive_insert AFTER INSERT ON vote_ballots REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION vote_ballots_derive();
CREATE TRIGGER vote_ballots_derive_update AFTER UPDATE ON vote_ballots REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION vote_ballots_derive();
CREATE TRIGGER vote_ballots_derive_delete AFTER DELETE ON vote_ballots REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION vote_ballots_derive();
CREATE TRIGGER memberships_derive_insert AFTER INSERT ON memberships REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION memberships_derive();
CREATE TRIGGER memberships_derive_update AFTER UPDATE ON memberships REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION memberships_derive();
CREATE TRIGGER memberships_derive_delete AFTER DELETE ON memberships REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION memberships_derive();

-- TRUNCATE fires no row or DELETE trigger: emptied ballots empty what is derived from them (a new
-- vote row is derived without first clearing its old rows), and emptied memberships recount all.
CREATE FUNCTION vote_ballots_truncated() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	TRUNCATE member_ballots, vote_party_positions;
	RETURN NULL;
END
$$;
CREATE FUNCTION memberships_truncated() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	TRUNCATE member_ballots, vote_party_positions;
	PERFORM refresh_vote_derived(array_agg(session), array_agg(vote_number), false) FROM vote_ballots;
	RETURN NULL;
END
$$;
CREATE TRIGGER vote_ballots_derive_truncate AFTER TRUNCATE ON vote_ballots FOR EACH STATEMENT EXECUTE FUNCTION vote_ballots_truncated();
CREATE TRIGGER memberships_derive_truncate AFTER TRUNCATE ON memberships FOR EACH STATEMENT EXECUTE FUNCTION memberships_truncated();

-- The ballots loaded before this migration.
SELECT refresh_vote_derived(array_agg(session), array_agg(vote_number), false) FROM vote_ballots;
