-- The notification service's outbox (issue 14, docs/decisions/0027-notification-outbox.md).
--
-- A decision to notify is one transaction: the event row (its id derived from the source event,
-- so a redelivered event inserts nothing) and every delivery it causes, each with an idempotency
-- key of event + recipient + channel. Workers on any node claim due deliveries with
-- FOR UPDATE SKIP LOCKED and a lease; a node that dies leaves its claims to be taken again when
-- the lease runs out.

CREATE TABLE events (
	id text PRIMARY KEY,
	-- The notice kind (bill.status, politician.ballot, ...), also what webhooks subscribe to.
	kind text NOT NULL,
	-- What it is about, for the Atom feeds: bill:44-1/C-10, politician:<slug>; null for account notices.
	subject text,
	title_en text NOT NULL,
	title_fr text NOT NULL,
	body_en text NOT NULL,
	body_fr text NOT NULL,
	link text,
	-- Public events appear in feeds and reach API-key webhooks; account and alert notices never do.
	public boolean NOT NULL,
	data jsonb NOT NULL,
	occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_subject ON events (subject, occurred_at DESC, id) WHERE public;

CREATE TABLE deliveries (
	id text PRIMARY KEY,
	event_id text NOT NULL REFERENCES events (id),
	user_id text,
	channel text NOT NULL CHECK (channel IN ('email', 'webhook', 'inbox', 'push')),
	-- An email address, a webhook id, a device id, or the user id (inbox).
	target text NOT NULL,
	-- event id + recipient + channel: a retried decision adds nothing, receivers drop duplicates by it.
	idempotency_key text NOT NULL UNIQUE,
	-- What to send, rendered when the decision was made (subject, text, html, json body).
	message jsonb NOT NULL,
	status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'held', 'digested')),
	attempts integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	lease_until timestamptz,
	leased_by text,
	last_error text,
	created_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz
);
-- What the workers scan: only open rows are indexed, so the finished log does not slow a claim.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'sending');
-- Items of a daily digest wait as 'held' until the user's morning, then become one email ('digested').
CREATE INDEX deliveries_held ON deliveries (next_attempt_at) WHERE status = 'held';
CREATE INDEX deliveries_log ON deliveries (created_at DESC, id);
CREATE INDEX deliveries_user ON deliveries (user_id, channel, status);

CREATE TABLE inbox (
	id text PRIMARY KEY,
	user_id text NOT NULL,
	-- The delivery's idempotency key: a retried delivery never adds a second item.
	delivery_key text NOT NULL UNIQUE,
	event_id text NOT NULL REFERENCES events (id),
	kind text NOT NULL,
	title text NOT NULL,
	body text NOT NULL,
	link text,
	created_at timestamptz NOT NULL DEFAULT now(),
	read_at timestamptz
);
CREATE INDEX inbox_user ON inbox (user_id, created_at DESC, id);
CREATE INDEX inbox_unread ON inbox (user_id) WHERE read_at IS NULL;

-- Per user: language of messages, when their morning is; per channel: on/off, immediate or daily.
CREATE TABLE recipients (
	user_id text PRIMARY KEY,
	language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'fr')),
	time_zone text NOT NULL DEFAULT 'America/Toronto',
	digest_hour integer NOT NULL DEFAULT 8 CHECK (digest_hour BETWEEN 0 AND 23),
	-- Set once the first follow told the user where notices go (issue 14: "the first follow says so").
	welcomed_at timestamptz,
	updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE preferences (
	user_id text NOT NULL,
	channel text NOT NULL CHECK (channel IN ('email', 'inbox', 'webhook', 'push')),
	enabled boolean NOT NULL,
	mode text NOT NULL DEFAULT 'immediate' CHECK (mode IN ('immediate', 'daily')),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, channel)
);

CREATE TABLE webhooks (
	id text PRIMARY KEY,
	-- user:<id> or key:<id>: who registered it and may list, change or delete it.
	owner text NOT NULL,
	-- The user told when it is disabled (the owner, or the user who created the key).
	owner_user_id text,
	url text NOT NULL CHECK (length(url) <= 2000),
	events text[] NOT NULL,
	secret text NOT NULL,
	enabled boolean NOT NULL DEFAULT true,
	disabled_reason text,
	-- First failure since the last success; a day of only failures disables the webhook.
	failing_since timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_owner ON webhooks (owner, created_at);
