-- Signing in without a password (#17).

-- How each session began: 'password', 'passkey', 'link' or 'oidc' (the devices list says so, and a
-- session begun by the admin's link may set a new password without the old one for a while).
ALTER TABLE sessions ADD COLUMN signed_in_with TEXT NOT NULL DEFAULT 'password';
-- The address the session began from (as the rate limiter sees it: the load balancer's
-- X-Forwarded-For only when trusted), for the approximate place the devices list shows.
ALTER TABLE sessions ADD COLUMN client_ip TEXT;

-- Whether the person has chosen a password: one who joined through an OpenID provider has not
-- (their stored hash is of a random one nobody knows) and may choose one without the old.
ALTER TABLE users ADD COLUMN password_set INTEGER NOT NULL DEFAULT 1;

-- The WebAuthn user handle of a person: random, so an authenticator learns nothing from it; made
-- with their first passkey and the same for all of them.
ALTER TABLE users ADD COLUMN passkey_handle TEXT;
CREATE UNIQUE INDEX users_passkey_handle ON users (passkey_handle);

-- A person's passkeys. `credential` is the verified public key and counter as webauthn-rs keeps
-- them (JSON); `credential_id` is the authenticator's id for it (base64url).
CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    credential TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- A ceremony begun and not yet finished (a passkey registration or sign-in): its server-side
-- state, used once, within minutes. `id` is random and handed to the browser.
CREATE TABLE auth_ceremonies (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

-- One-time sign-in links the admin makes for a family member, kept as the audit list.
CREATE TABLE sign_in_links (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX sign_in_links_created ON sign_in_links (created_at);

-- Accounts at an OpenID Connect provider (Google, the family's Keycloak) linked to a person:
-- the provider's subject identifier is the key; the email is what the provider said, shown only.
CREATE TABLE oidc_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX oidc_identities_user ON oidc_identities (user_id);
