-- The portal's tables: staff accounts, units' sign-in links, sessions, API
-- tokens and failed sign-ins. Secrets (passwords, link and session tokens)
-- are kept only as hashes. Times are UTC text; flags are 0 or 1.

CREATE TABLE users (
	name TEXT PRIMARY KEY,
	role TEXT NOT NULL,
	unit TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- A unit's sign-in link for a round; renewing it revokes the one before.
CREATE TABLE sign_in_links (
	token_hash TEXT PRIMARY KEY,
	round TEXT NOT NULL REFERENCES rounds(code),
	unit TEXT NOT NULL,
	created_at TEXT NOT NULL,
	revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sign_in_links_unit ON sign_in_links (round, unit);

-- A browser's session: a staff user's (user_name set) or a unit's through
-- its link (link_hash set; round is the link's round).
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	role TEXT NOT NULL,
	unit TEXT NOT NULL,
	name TEXT NOT NULL,
	round TEXT NOT NULL,
	user_name TEXT NOT NULL,
	link_hash TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);

-- Tokens for scripts calling /api/, each acting as a staff user.
CREATE TABLE api_tokens (
	token_hash TEXT PRIMARY KEY,
	user_name TEXT NOT NULL REFERENCES users(name),
	label TEXT NOT NULL,
	created_at TEXT NOT NULL,
	revoked_at TEXT NOT NULL DEFAULT ''
);

-- Failed sign-ins, by key (an address or a user name), for throttling.
CREATE TABLE sign_in_failures (
	id {{id}},
	key TEXT NOT NULL,
	at TEXT NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key, at);

-- Units the bureau let upload again after their round closed.
CREATE TABLE reopened_units (
	round TEXT NOT NULL REFERENCES rounds(code),
	unit TEXT NOT NULL,
	reason TEXT NOT NULL,
	at TEXT NOT NULL,
	by_name TEXT NOT NULL,
	PRIMARY KEY (round, unit)
);
