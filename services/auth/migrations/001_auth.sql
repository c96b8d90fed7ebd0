-- Accounts, sessions and credentials of the auth service. Times that the token, lockout and TOTP
-- logic compares are milliseconds since the epoch (bigint), exactly as services/auth/core computes them.
CREATE TABLE users (
	id uuid PRIMARY KEY,
	email text NOT NULL,
	display_name text NOT NULL,
	role text NOT NULL CHECK (role IN ('citizen', 'editor', 'operator', 'admin')),
	password_hash text NOT NULL,
	disabled_at timestamptz,
	-- TOTP: the active secret, one awaiting its first code, and the last accepted step (replay guard).
	totp_secret text,
	totp_pending_secret text,
	totp_last_step bigint,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
-- One account per address however it is capitalised.
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

CREATE TABLE refresh_tokens (
	token_hash text PRIMARY KEY,
	family_id uuid NOT NULL,
	user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	issued_at bigint NOT NULL,
	expires_at bigint NOT NULL,
	family_expires_at bigint NOT NULL,
	used_at bigint,
	revoked_at bigint
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE recovery_codes (
	user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash text NOT NULL,
	used_at bigint,
	PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE api_keys (
	id uuid PRIMARY KEY,
	prefix text NOT NULL UNIQUE,
	key_hash text NOT NULL,
	name text NOT NULL,
	scopes text[] NOT NULL,
	created_by uuid REFERENCES users (id) ON DELETE SET NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	revoked_at timestamptz,
	last_used_at timestamptz
);

-- Failed sign-ins by the lower-cased email as typed, so an unknown address locks exactly like a
-- known one and lockout reveals nothing about who has an account.
CREATE TABLE login_failures (
	email_key text NOT NULL,
	at bigint NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (email_key, at);
-- Rows older than the lockout window are deleted as new failures arrive, so sprayed addresses do not pile up.
CREATE INDEX login_failures_at ON login_failures (at);

-- Between a correct password and the second factor (or a forced enrolment): opaque, hashed, short-lived.
CREATE TABLE mfa_challenges (
	challenge_hash text PRIMARY KEY,
	user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose text NOT NULL CHECK (purpose IN ('verify', 'enroll')),
	expires_at bigint NOT NULL,
	used_at bigint,
	attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX mfa_challenges_expiry ON mfa_challenges (expires_at);
