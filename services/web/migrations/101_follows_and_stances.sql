-- Signed-in citizens' follows and stances on bills (issue 11). Numbered from 101 so the web
-- service's read-side migrations (001...) and these never share a version.
--
-- user_id is the auth service's user id. No foreign key: auth owns its users in its own schema
-- (docs/decisions/0002-storage.md), and a follow of a bill or politician names it as citizens do
-- (44-1/C-10, a slug) so that it stays meaningful while the ETL reloads its rows.

CREATE TABLE follows (
	id text PRIMARY KEY,
	user_id text NOT NULL,
	kind text NOT NULL CHECK (kind IN ('bill', 'politician', 'search')),
	-- 44-1/C-10, a politician's slug, or the search words as normalised by the web service.
	target text NOT NULL CHECK (length(target) BETWEEN 1 AND 200),
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (user_id, kind, target)
);
-- Who follows this bill or politician: what notifications look up when it changes.
CREATE INDEX follows_target ON follows (kind, target);
CREATE INDEX follows_user_created ON follows (user_id, created_at, id);

CREATE TABLE bill_stances (
	user_id text NOT NULL,
	session text NOT NULL,
	bill_number text NOT NULL,
	stance text NOT NULL CHECK (stance IN ('support', 'oppose')),
	updated_at timestamptz NOT NULL DEFAULT now(),
	-- One stance per citizen per bill.
	PRIMARY KEY (user_id, session, bill_number)
);
CREATE INDEX bill_stances_bill ON bill_stances (session, bill_number, stance);
