-- A raw document kept as the bytes received (docs/decisions/0002-storage.md): its text, compressed by TOAST, beside the
-- sha256 of that text (checksum). The jsonb body becomes optional: a document sent as text is
-- stored as text only, so the server does not parse every page of a run into jsonb (a million
-- ballots are 155 MB of JSON), and a document that is not JSON (the House's XML) is kept as it came.
ALTER TABLE raw_documents ADD COLUMN text text;
ALTER TABLE raw_documents ALTER COLUMN body DROP NOT NULL;
ALTER TABLE raw_documents ADD CONSTRAINT raw_documents_has_content CHECK (body IS NOT NULL OR text IS NOT NULL);
-- lz4 where the server has it: it compresses pages about five times faster than the default pglz
-- (docs/decisions/0008-ballots-stored-per-vote.md measured 2.0 s of server time per million
-- ballots' pages as jsonb, 0.33 s as lz4 text). A server built without lz4 keeps pglz.
DO $$
BEGIN
	ALTER TABLE raw_documents ALTER COLUMN text SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
	NULL;
END
$$;
