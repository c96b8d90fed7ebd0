-- A raw document's body is kept as the JSON text it arrived as, not as jsonb: the ETL's list pages
-- of ballots are megabytes each, and parsing them into jsonb made storing them cost more than loading
-- their rows (2.0 s against 0.33 s per million ballots, measured with psql). Nothing queries inside a
-- body; readers parse it. Compressed with lz4 where the server has it (PostgreSQL 14+ built with
-- lz4, as Debian's and the official images are): several times faster than the default pglz.
ALTER TABLE raw_documents ALTER COLUMN body TYPE text USING body::text;

DO $$
BEGIN
	ALTER TABLE raw_documents ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
	-- Built without lz4 (PGlite): the default compression stays.
	NULL;
END $$;
