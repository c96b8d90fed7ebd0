-- Accent-insensitive full-text search for the web API (issue 11, docs/decisions/0015-search-over-etl-columns.md):
-- "Quebec" must find "Québec". unaccent() is not immutable, so it cannot sit in a generated column
-- directly; a text search configuration that runs the unaccent dictionary before the stemmer can:
-- to_tsvector(regconfig, text) is immutable. One column per table holds both languages (English
-- words from the English titles, French from the French ones), so one GIN index answers a query in
-- either language. The older search_en/search_fr columns stay as they are for existing readers.
--
-- unaccent is a trusted extension (PostgreSQL 13+): a database owner may create it; PGlite ships it
-- as a contrib extension that runtime/storage/pglite-database.ts loads. It lands in the first schema
-- of the migration's search_path (etl) unless the database already has it, and `unaccent` below is
-- resolved through that same search_path (etl, public).
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION english_unaccent ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION french_unaccent ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;

ALTER TABLE bills ADD COLUMN search tsvector GENERATED ALWAYS AS (
	setweight(to_tsvector('english_unaccent', number), 'A') ||
	setweight(to_tsvector('english_unaccent', coalesce(short_title_en, '')), 'A') ||
	setweight(to_tsvector('english_unaccent', title_en), 'B') ||
	setweight(to_tsvector('french_unaccent', coalesce(short_title_fr, '')), 'A') ||
	setweight(to_tsvector('french_unaccent', coalesce(title_fr, '')), 'B')) STORED;
CREATE INDEX bills_search ON bills USING gin (search);

-- A name is what a search for a person matches first: weight A, as a bill's number and short title.
ALTER TABLE politicians ADD COLUMN search tsvector GENERATED ALWAYS AS (
	setweight(to_tsvector('english_unaccent', coalesce(name, '') || ' ' || coalesce(given_name, '') || ' ' || coalesce(family_name, '')), 'A') ||
	setweight(to_tsvector('french_unaccent', coalesce(name, '') || ' ' || coalesce(given_name, '') || ' ' || coalesce(family_name, '')), 'A')) STORED;
CREATE INDEX politicians_search ON politicians USING gin (search);
