-- Devices a signed-in user registered for push notifications (issue 13); the notification service
-- finds them through mobile.contract.ts, never by reading this table.
CREATE TABLE devices (
	id uuid PRIMARY KEY,
	user_id text NOT NULL,
	platform text NOT NULL CHECK (platform IN ('ios', 'android', 'web')),
	push_token text NOT NULL,
	name text,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	-- A token addresses one app install: registering it again (after a reinstall, or another account
	-- signing in on the same phone) moves it, so a push never reaches a device's previous user.
	UNIQUE (platform, push_token)
);
CREATE INDEX devices_user ON devices (user_id, created_at);
