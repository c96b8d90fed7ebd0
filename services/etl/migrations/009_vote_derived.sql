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
-- The definitions (DESIGN.md, "The voting record, defined"; services/shared/voting-record-sql.ts):
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

-- One row per ballot, keyed by member first: a member's record reads only their own rows.
CREATE TABLE member_ballots (
	politician_slug text NOT NULL,
	session text NOT NULL,
	vote_number integer NOT NULL,
	membership_id text,
	ballot text NOT NULL,
	-- The membership's party when the row was written: how a changed membership finds its stale rows.
	party_key text,
	party_position text CHECK (party_position IN ('Yes', 'No')),
	free_vote boolean NOT NULL,
	PRIMARY KEY (politician_slug, session, vote_number)
);

CREATE FUNCTION party_position(p_party text, p_yes integer, p_no integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p_party IS NULL OR p_party IN ('independent') OR p_yes + p_no < 2 OR p_yes = p_no THEN NULL
		WHEN p_yes > p_no THEN 'Yes' ELSE 'No' END
$$;

-- Recounts the given votes from their vote_ballots rows and the memberships as they are now. The
-- member rows are replaced for the slugs the vote row lists (a changed or deleted vote row's old
-- slugs are removed by its trigger first).
CREATE FUNCTION refresh_vote_derived(p_sessions text[], p_numbers integer[]) RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
	DELETE FROM vote_party_positions p USING unnest(p_sessions, p_numbers) AS k(session, number)
	WHERE p.session = k.session AND p.vote_number = k.number;

	DELETE FROM member_ballots mb
	USING unnest(p_sessions, p_numbers) AS k(session, number)
	JOIN vote_ballots v ON v.session = k.session AND v.vote_number = k.number
	CROSS JOIN LATERAL unnest(v.politician_slugs) AS s(slug)
	WHERE mb.politician_slug = s.slug AND mb.session = v.session AND mb.vote_number = v.vote_number;

	INSERT INTO vote_party_positions (session, vote_number, party_key, yes, no, paired, didnt_vote, position, free_vote)
	SELECT t.session, t.vote_number, t.party_key, t.yes, t.no, t.paired, t.didnt_vote, party_position(t.party_key, t.yes, t.no),
		coalesce(party_position(t.party_key, t.yes, t.no) IS NOT NULL AND least(t.yes, t.no) * 100 >= 15 * (t.yes + t.no), false)
	FROM (
		SELECT v.session, v.vote_number, m.party_key,
			count(*) FILTER (WHERE b.ballot = 'Yes')::int AS yes,
			count(*) FILTER (WHERE b.ballot = 'No')::int AS no,
			count(*) FILTER (WHERE b.ballot = 'Paired')::int AS paired,
			count(*) FILTER (WHERE b.ballot = 'Didn''t vote')::int AS didnt_vote
		FROM unnest(p_sessions, p_numbers) AS k(session, number)
		JOIN vote_ballots v ON v.session = k.session AND v.vote_number = k.number
		CROSS JOIN LATERAL unnest(v.membership_ids, v.ballots) AS b(membership_id, ballot)
		LEFT JOIN memberships m ON m.id = b.membership_id
		GROUP BY v.session, v.vote_number, m.party_key
	) t;

	INSERT INTO member_ballots (politician_slug, session, vote_number, membership_id, ballot, party_key, party_position, free_vote)
	SELECT b.slug, v.session, v.vote_number, b.membership_id, b.ballot, m.party_key, p.position, coalesce(p.free_vote, false)
	FROM unnest(p_sessions, p_numbers) AS k(session, number)
	JOIN vote_ballots v ON v.session = k.session AND v.vote_number = k.number
	CROSS JOIN LATERAL unnest(v.politician_slugs, v.membership_ids, v.ballots) AS b(slug, membership_id, ballot)
	LEFT JOIN memberships m ON m.id = b.membership_id
	LEFT JOIN vote_party_positions p ON p.session = v.session AND p.vote_number = v.vote_number AND p.party_key = m.party_key;
$$;

-- Removes the member rows of the slugs old vote rows listed (a changed row may list fewer).
CREATE FUNCTION drop_member_ballots(p_sessions text[], p_numbers integer[], p_slugs text[]) RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
	DELETE FROM member_ballots mb USING unnest(p_sessions, p_numbers, p_slugs) AS k(session, number, slug)
	WHERE mb.politician_slug = k.slug AND mb.session = k.session AND mb.vote_number = k.number;
$$;

CREATE FUNCTION vote_ballots_derive() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
	sessions text[];
	numbers integer[];
	slugs text[];
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		SELECT array_agg(o.session), array_agg(o.vote_number), array_agg(s.slug) INTO sessions, numbers, slugs
		FROM old_rows o CROSS JOIN LATERAL unnest(o.politician_slugs) AS s(slug);
		IF sessions IS NOT NULL THEN PERFORM drop_member_ballots(sessions, numbers, slugs); END IF;
	END IF;
	IF TG_OP = 'DELETE' THEN
		DELETE FROM vote_party_positions p USING old_rows o WHERE p.session = o.session AND p.vote_number = o.vote_number;
	ELSE
		SELECT array_agg(n.session), array_agg(n.vote_number) INTO sessions, numbers FROM new_rows n;
		IF sessions IS NOT NULL THEN PERFORM refresh_vote_derived(sessions, numbers); END IF;
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
	IF sessions IS NOT NULL THEN PERFORM refresh_vote_derived(sessions, numbers); END IF;
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

-- The ballots loaded before this migration.
SELECT refresh_vote_derived(array_agg(session), array_agg(vote_number)) FROM vote_ballots;
