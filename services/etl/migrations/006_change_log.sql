-- The change log the mobile changes feed replays (docs/decisions/0025-mobile-change-log.md): one row
-- per committed change of what a mobile client holds (a bill, a vote with its ballots, a politician
-- with their party and riding), deletions included, written by triggers in the same transaction as
-- the change, so nothing commits without its entry and no entry without its change.
--
-- Commit order: `seq` is taken only while the transaction holds the change-log lock (an advisory
-- lock released at commit, after the commit is visible), so a higher seq always commits later and a
-- reader that has seen seq N will never afterwards see an N' < N appear. The ETL's loader takes the
-- lock first in each write transaction (lock_change_log()), before any row lock, so two writers
-- cannot deadlock on it; the triggers take it again (a no-op then) for any other writer.
--
-- The entry names the row, not its contents: a reader sends the row as it is when read, so entries
-- of one row collapse to its latest state, and a deleted row that is still absent is a tombstone.

CREATE TABLE change_log (
	seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind text NOT NULL CHECK (kind IN ('bill', 'vote', 'politician')),
	-- 44-1/C-10 (bill), 44-1/12 (vote), the slug (politician)
	key text NOT NULL,
	op text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
	at timestamptz NOT NULL DEFAULT now()
);

-- Entries up to and including `pruned_through` may be gone: a cursor before it has to resync.
CREATE TABLE change_log_horizon (
	only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	pruned_through bigint NOT NULL DEFAULT 0
);
INSERT INTO change_log_horizon DEFAULT VALUES;

CREATE FUNCTION lock_change_log() RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
	SELECT pg_advisory_xact_lock(hashtext('etl.change_log')::bigint);
$$;

CREATE FUNCTION record_change(p_kind text, p_key text, p_op text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	PERFORM lock_change_log();
	INSERT INTO change_log (kind, key, op) VALUES (p_kind, p_key, p_op);
END
$$;

-- Removes entries older than `keep` and moves the horizon, so cursors into the removed part are refused.
CREATE FUNCTION prune_change_log(keep interval) RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
	last_removed bigint;
BEGIN
	PERFORM lock_change_log();
	SELECT max(seq) INTO last_removed FROM change_log WHERE at < now() - keep;
	IF last_removed IS NULL THEN RETURN 0; END IF;
	DELETE FROM change_log WHERE seq <= last_removed;
	UPDATE change_log_horizon SET pruned_through = greatest(pruned_through, last_removed);
	RETURN last_removed;
END
$$;

CREATE FUNCTION log_bill_change() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM record_change('bill', OLD.session || '/' || OLD.number, 'delete');
	ELSE
		IF TG_OP = 'UPDATE' AND (OLD.session, OLD.number) IS DISTINCT FROM (NEW.session, NEW.number) THEN
			PERFORM record_change('bill', OLD.session || '/' || OLD.number, 'delete');
		END IF;
		PERFORM record_change('bill', NEW.session || '/' || NEW.number, lower(TG_OP));
	END IF;
	RETURN NULL;
END
$$;

-- A vote's row and its ballots' row are one mobile item: either changing is a change of the vote.
CREATE FUNCTION log_vote_change() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	IF TG_TABLE_NAME = 'vote_ballots' THEN
		PERFORM record_change('vote', coalesce(NEW.session, OLD.session) || '/' || coalesce(NEW.vote_number, OLD.vote_number), 'update');
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM record_change('vote', OLD.session || '/' || OLD.number, 'delete');
	ELSE
		IF TG_OP = 'UPDATE' AND (OLD.session, OLD.number) IS DISTINCT FROM (NEW.session, NEW.number) THEN
			PERFORM record_change('vote', OLD.session || '/' || OLD.number, 'delete');
		END IF;
		PERFORM record_change('vote', NEW.session || '/' || NEW.number, lower(TG_OP));
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION log_politician_change() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	IF TG_TABLE_NAME = 'memberships' THEN
		-- A membership gives the politician's party and riding; a moved membership changes both members.
		IF TG_OP <> 'INSERT' THEN PERFORM record_change('politician', OLD.politician_slug, 'update'); END IF;
		IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.politician_slug <> OLD.politician_slug) THEN
			PERFORM record_change('politician', NEW.politician_slug, 'update');
		END IF;
	ELSIF TG_TABLE_NAME = 'parties' THEN
		-- A party's names are shown with each of its members (a party with members cannot be deleted: foreign key).
		PERFORM lock_change_log();
		INSERT INTO change_log (kind, key, op)
		SELECT DISTINCT 'politician', m.politician_slug, 'update' FROM memberships m WHERE m.party_key = NEW.key;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM record_change('politician', OLD.slug, 'delete');
	ELSE
		IF TG_OP = 'UPDATE' AND OLD.slug <> NEW.slug THEN PERFORM record_change('politician', OLD.slug, 'delete'); END IF;
		PERFORM record_change('politician', NEW.slug, lower(TG_OP));
	END IF;
	RETURN NULL;
END
$$;

-- Updates that leave the content as it was (the loader never writes those, but a hand-run UPDATE may) log nothing.
CREATE TRIGGER bills_change_log AFTER INSERT OR DELETE ON bills FOR EACH ROW EXECUTE FUNCTION log_bill_change();
CREATE TRIGGER bills_change_log_update AFTER UPDATE ON bills FOR EACH ROW
	WHEN (OLD.content_hash IS DISTINCT FROM NEW.content_hash OR OLD.session IS DISTINCT FROM NEW.session OR OLD.number IS DISTINCT FROM NEW.number)
	EXECUTE FUNCTION log_bill_change();

CREATE TRIGGER votes_change_log AFTER INSERT OR DELETE ON votes FOR EACH ROW EXECUTE FUNCTION log_vote_change();
CREATE TRIGGER votes_change_log_update AFTER UPDATE ON votes FOR EACH ROW
	WHEN (OLD.content_hash IS DISTINCT FROM NEW.content_hash OR OLD.session IS DISTINCT FROM NEW.session OR OLD.number IS DISTINCT FROM NEW.number)
	EXECUTE FUNCTION log_vote_change();
CREATE TRIGGER vote_ballots_change_log AFTER INSERT OR DELETE ON vote_ballots FOR EACH ROW EXECUTE FUNCTION log_vote_change();
CREATE TRIGGER vote_ballots_change_log_update AFTER UPDATE ON vote_ballots FOR EACH ROW
	WHEN (OLD.content_hash IS DISTINCT FROM NEW.content_hash)
	EXECUTE FUNCTION log_vote_change();

CREATE TRIGGER politicians_change_log AFTER INSERT OR DELETE ON politicians FOR EACH ROW EXECUTE FUNCTION log_politician_change();
CREATE TRIGGER politicians_change_log_update AFTER UPDATE ON politicians FOR EACH ROW
	WHEN (OLD.content_hash IS DISTINCT FROM NEW.content_hash OR OLD.slug IS DISTINCT FROM NEW.slug)
	EXECUTE FUNCTION log_politician_change();
CREATE TRIGGER memberships_change_log AFTER INSERT OR DELETE ON memberships FOR EACH ROW EXECUTE FUNCTION log_politician_change();
CREATE TRIGGER memberships_change_log_update AFTER UPDATE ON memberships FOR EACH ROW
	WHEN (OLD.content_hash IS DISTINCT FROM NEW.content_hash)
	EXECUTE FUNCTION log_politician_change();
CREATE TRIGGER parties_change_log_update AFTER UPDATE ON parties FOR EACH ROW
	WHEN (OLD.short_name_en IS DISTINCT FROM NEW.short_name_en OR OLD.short_name_fr IS DISTINCT FROM NEW.short_name_fr)
	EXECUTE FUNCTION log_politician_change();
