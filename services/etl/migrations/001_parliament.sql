-- The parliamentary domain (issue 5), owned and written by `etl` only; web, mobile and viz read it
-- with DbMixin({ reads: ["etl"] }) (docs/decisions/0005-parliament-data-model.md).
--
-- Every domain row carries its lineage and its change-detection hash:
--   source        the connector that last changed the row (openparliament, legisinfo, ocd)
--   document_key  the raw document's key in the document store (its URL), under source.resource
--   document_hash the raw document's content hash: (source, key, hash) is the document store's identity
--   content_hash  sha256 of the row's canonical record; an upsert whose hash is unchanged writes nothing
--   run_id        the ETL run that last changed the row
-- Natural keys are the primary keys, so an upsert conflicts on what the source itself calls the row.

CREATE TABLE sessions (
	id text PRIMARY KEY,
	parliament integer NOT NULL,
	session integer NOT NULL,
	source text NOT NULL, document_key text NOT NULL, document_hash text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE provinces (
	ocd_id text PRIMARY KEY,
	code text NOT NULL UNIQUE,
	name_en text NOT NULL,
	abbreviation_en text NOT NULL,
	abbreviation_fr text NOT NULL,
	sgc text NOT NULL,
	source text NOT NULL, document_key text NOT NULL, document_hash text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE parties (
	key text PRIMARY KEY,
	name_en text,
	name_fr text,
	short_name_en text NOT NULL,
	short_name_fr text,
	source text NOT NULL, document_key text NOT NULL, document_hash text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ridings (
	ocd_id text PRIMARY KEY,
	edid text NOT NULL,
	name_en text NOT NULL,
	name_fr text NOT NULL,
	province text NOT NULL,
	valid_from date,
	valid_through date,
	source text NOT NULL, document_key text NOT NULL, document_hash text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ridings_edid ON ridings (edid);

CREATE TABLE politicians (
	slug text PRIMARY KEY,
	name text NOT NULL,
	given_name text,
	family_name text,
	gender text,
	image_url text,
	-- Names are proper nouns: the 'simple' stemmer would do, but english/french give the web
	-- API one search column per language like bills, and unaccent-free matching stays exact.
	search_en tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(name, '') || ' ' || coalesce(given_name, '') || ' ' || coalesce(family_name, ''))) STORED,
	search_fr tsvector GENERATED ALWAYS AS (to_tsvector('french', coalesce(name, '') || ' ' || coalesce(given_name, '') || ' ' || coalesce(family_name, ''))) STORED,
	source text NOT NULL, document_key text NOT NULL, document_hash text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX politicians_search_en ON politicians USING gin (search_en);
CREATE INDEX politicians_search_fr ON politicians USING gin (search_fr);

-- A membership arrives inside its politician's document, after the politician and its party, so
-- these foreign keys hold in every load order the connectors produce.
CREATE TABLE memberships (
	id text PRIMARY KEY,
	politician_slug text NOT NULL REFERENCES politicians (slug),
	party_key text NOT NULL REFERENCES parties (key),
	riding_edid text NOT NULL,
	riding_name_en text NOT NULL,
	province text NOT NULL,
	start_date date NOT NULL,
	end_date date,
	source text NOT NULL, document_key text NOT NULL, document_hash text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memberships_politician ON memberships (politician_slug, start_date);
CREATE INDEX memberships_riding ON memberships (riding_edid);

-- The sponsor is a soft reference: LEGISinfo names sponsors without an openparliament slug, and
-- a bill may load before (or without) its sponsor's politician page.
CREATE TABLE bills (
	session text NOT NULL REFERENCES sessions (id),
	number text NOT NULL,
	chamber text NOT NULL,
	title_en text NOT NULL,
	title_fr text,
	short_title_en text,
	short_title_fr text,
	sponsor_politician_slug text,
	sponsor_membership_id text,
	sponsor_name text,
	status_code text,
	status_text_en text,
	status_date date,
	introduced date,
	law boolean,
	private_member boolean,
	government_bill boolean,
	legisinfo_id integer,
	search_en tsvector GENERATED ALWAYS AS (
		setweight(to_tsvector('english', number), 'A') ||
		setweight(to_tsvector('english', coalesce(short_title_en, '')), 'A') ||
		setweight(to_tsvector('english', title_en), 'B')) STORED,
	search_fr tsvector GENERATED ALWAYS AS (
		setweight(to_tsvector('french', number), 'A') ||
		setweight(to_tsvector('french', coalesce(short_title_fr, '')), 'A') ||
		setweight(to_tsvector('french', coalesce(title_fr, '')), 'B')) STORED,
	source text NOT NULL, document_key text NOT NULL, document_hash text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (session, number)
);
CREATE INDEX bills_search_en ON bills USING gin (search_en);
CREATE INDEX bills_search_fr ON bills USING gin (search_fr);
CREATE INDEX bills_sponsor ON bills (sponsor_politician_slug);
CREATE INDEX bills_status ON bills (status_code, status_date);

CREATE TABLE bill_stages (
	session text NOT NULL,
	bill_number text NOT NULL,
	stage text NOT NULL,
	chamber text NOT NULL,
	date date NOT NULL,
	source text NOT NULL, document_key text NOT NULL, document_hash text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (session, bill_number, stage),
	FOREIGN KEY (session, bill_number) REFERENCES bills (session, number)
);

-- bill_number is soft: a vote on a bill may be loaded in a run that did not load the bill.
CREATE TABLE votes (
	session text NOT NULL REFERENCES sessions (id),
	number integer NOT NULL,
	date date NOT NULL,
	description_en text NOT NULL,
	description_fr text,
	result text NOT NULL,
	yea_total integer NOT NULL,
	nay_total integer NOT NULL,
	paired_total integer NOT NULL,
	bill_number text,
	source text NOT NULL, document_key text NOT NULL, document_hash text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (session, number)
);
CREATE INDEX votes_bill ON votes (session, bill_number);
CREATE INDEX votes_date ON votes (date);

CREATE TABLE party_votes (
	session text NOT NULL,
	vote_number integer NOT NULL,
	party_key text NOT NULL REFERENCES parties (key),
	vote text NOT NULL,
	disagreement double precision,
	source text NOT NULL, document_key text NOT NULL, document_hash text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (session, vote_number, party_key),
	FOREIGN KEY (session, vote_number) REFERENCES votes (session, number)
);

-- Ballots are the volume (hundreds per vote) and soft references on purpose: openparliament's
-- /politicians/ lists current members only, so a ballot of a former member, or of a vote outside
-- the filtered vote list, must still load; the web API joins with LEFT JOIN.
CREATE TABLE ballots (
	session text NOT NULL,
	vote_number integer NOT NULL,
	politician_slug text NOT NULL,
	membership_id text,
	ballot text NOT NULL,
	dissent boolean NOT NULL,
	source text NOT NULL, document_key text NOT NULL, document_hash text NOT NULL, content_hash text NOT NULL, run_id text,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (session, vote_number, politician_slug)
);
CREATE INDEX ballots_politician ON ballots (politician_slug);
