/** One step of the schema's history. Versions only grow; a released step is never edited. */
export interface SqliteMigration {
  /** Position in the history, from 1. */
  readonly version: number;
  /** What the step does, for `latchkey migrate` output. */
  readonly name: string;
  /** The statements, run in one transaction with the version's record. */
  readonly sql: string;
}

/**
 * The schema's history. Tables are `STRICT` so a wrongly typed value fails loudly instead of
 * being stored as text; times are integer milliseconds since the epoch; flags are 0/1.
 */
export const sqliteMigrations: readonly SqliteMigration[] = Object.freeze([
  {
    version: 1,
    name: "create sessions, users, groups, permissions and throttle tables",
    sql: `
      CREATE TABLE latchkey_sessions (
        id TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('cookie', 'bearer')),
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL,
        ip TEXT,
        user_agent TEXT,
        label TEXT
      ) WITHOUT ROWID, STRICT;
      -- "your devices" lists and "log out everywhere" look sessions up by user, newest first.
      CREATE INDEX latchkey_sessions_user ON latchkey_sessions (user_id, created_at);
      -- Two indexes so the purge's "idle OR absolute" condition can use one for each side.
      CREATE INDEX latchkey_sessions_expires ON latchkey_sessions (expires_at);
      CREATE INDEX latchkey_sessions_absolute_expires ON latchkey_sessions (absolute_expires_at);

      CREATE TABLE latchkey_users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL,
        username_key TEXT NOT NULL UNIQUE,
        email TEXT NOT NULL DEFAULT '',
        first_name TEXT NOT NULL DEFAULT '',
        last_name TEXT NOT NULL DEFAULT '',
        is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
        is_staff INTEGER NOT NULL DEFAULT 0 CHECK (is_staff IN (0, 1)),
        is_superuser INTEGER NOT NULL DEFAULT 0 CHECK (is_superuser IN (0, 1)),
        password_hash TEXT,
        date_joined INTEGER NOT NULL,
        last_login INTEGER
      ) STRICT;

      CREATE TABLE latchkey_groups (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE
      ) STRICT;

      CREATE TABLE latchkey_group_permissions (
        group_id INTEGER NOT NULL REFERENCES latchkey_groups (id) ON DELETE CASCADE,
        permission TEXT NOT NULL,
        PRIMARY KEY (group_id, permission)
      ) WITHOUT ROWID, STRICT;

      CREATE TABLE latchkey_user_groups (
        user_id INTEGER NOT NULL REFERENCES latchkey_users (id) ON DELETE CASCADE,
        group_id INTEGER NOT NULL REFERENCES latchkey_groups (id) ON DELETE CASCADE,
        PRIMARY KEY (user_id, group_id)
      ) WITHOUT ROWID, STRICT;
      CREATE INDEX latchkey_user_groups_group ON latchkey_user_groups (group_id);

      CREATE TABLE latchkey_user_permissions (
        user_id INTEGER NOT NULL REFERENCES latchkey_users (id) ON DELETE CASCADE,
        permission TEXT NOT NULL,
        PRIMARY KEY (user_id, permission)
      ) WITHOUT ROWID, STRICT;

      -- The exact table rate-limiter-flexible's RateLimiterSQLite expects (it is told
      -- tableCreated: true, so it never runs DDL itself). Not STRICT: the library decides
      -- what it stores. expire is ms since the epoch, or NULL for "never".
      CREATE TABLE latchkey_throttle (
        key TEXT PRIMARY KEY,
        points INTEGER NOT NULL DEFAULT 0,
        expire INTEGER
      );
      CREATE INDEX latchkey_throttle_expire ON latchkey_throttle (expire);
    `,
  },
  {
    version: 2,
    name: "create account keys, verified emails, session freshness and mail outbox tables",
    sql: `
      -- Emailed keys (verification, reset, email change), by the SHA-256 of the key only.
      CREATE TABLE latchkey_account_keys (
        key_hash TEXT PRIMARY KEY,
        purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
        user_id TEXT NOT NULL,
        email TEXT NOT NULL,
        password_stamp TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID, STRICT;
      CREATE INDEX latchkey_account_keys_user ON latchkey_account_keys (user_id);

      -- Addresses a user proved they receive mail at (email is stored lower-cased by core).
      CREATE TABLE latchkey_verified_emails (
        user_id TEXT NOT NULL,
        email TEXT NOT NULL,
        PRIMARY KEY (user_id, email)
      ) WITHOUT ROWID, STRICT;

      -- When a session last re-authenticated (fresh for the re-authentication window).
      CREATE TABLE latchkey_session_freshness (
        session_id TEXT PRIMARY KEY,
        fresh_at INTEGER NOT NULL
      ) WITHOUT ROWID, STRICT;

      -- The durable outbox: a row leaves only when its mail was delivered. due_at is the next
      -- attempt or the end of the current sender's lease.
      CREATE TABLE latchkey_outbox (
        id TEXT PRIMARY KEY,
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        text_body TEXT NOT NULL,
        html_body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        due_at INTEGER NOT NULL,
        last_error TEXT
      ) WITHOUT ROWID, STRICT;
      CREATE INDEX latchkey_outbox_due ON latchkey_outbox (due_at);

      -- Password reset and email login look users up by address.
      CREATE INDEX latchkey_users_email ON latchkey_users (lower(email));
    `,
  },
  {
    version: 3,
    name: "create TOTP authenticator, recovery code and pending login tables",
    sql: `
      -- One TOTP authenticator per user; the secret is sealed by core (AES-GCM), never in clear.
      -- last_used_step is the RFC 6238 counter of the last accepted code: a code is accepted
      -- only with a later step (compare-and-set), so it cannot be replayed in its window.
      CREATE TABLE latchkey_mfa_totp (
        user_id TEXT PRIMARY KEY,
        sealed_secret TEXT NOT NULL,
        confirmed INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
        last_used_step INTEGER,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID, STRICT;

      -- Recovery codes by their SHA-256 only; a used code is deleted.
      CREATE TABLE latchkey_mfa_recovery_codes (
        user_id TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, code_hash)
      ) WITHOUT ROWID, STRICT;

      -- Logins that passed the password and wait for the second factor, by the token's SHA-256.
      CREATE TABLE latchkey_mfa_pending_logins (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('cookie', 'bearer')),
        label TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID, STRICT;
      CREATE INDEX latchkey_mfa_pending_logins_user ON latchkey_mfa_pending_logins (user_id);
      CREATE INDEX latchkey_mfa_pending_logins_expires ON latchkey_mfa_pending_logins (expires_at);
    `,
  },
  {
    version: 4,
    name: "create passkey and WebAuthn challenge tables",
    sql: `
      -- Registered passkeys: public material only (the private key stays on the authenticator).
      -- credential_id is UNIQUE across all users, so one authenticator key cannot be
      -- registered twice or attached to a second account.
      CREATE TABLE latchkey_passkeys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        credential_id TEXT NOT NULL UNIQUE,
        public_key BLOB NOT NULL,
        counter INTEGER NOT NULL,
        transports TEXT NOT NULL,
        device_type TEXT NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
        backed_up INTEGER NOT NULL CHECK (backed_up IN (0, 1)),
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      ) WITHOUT ROWID, STRICT;
      CREATE INDEX latchkey_passkeys_user ON latchkey_passkeys (user_id, created_at);

      -- Outstanding WebAuthn challenges, by the SHA-256 of the challenge only; single-use.
      CREATE TABLE latchkey_webauthn_challenges (
        challenge_hash TEXT PRIMARY KEY,
        purpose TEXT NOT NULL CHECK (purpose IN ('register', 'login', 'second_factor')),
        user_id TEXT,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID, STRICT;
      CREATE INDEX latchkey_webauthn_challenges_expires ON latchkey_webauthn_challenges (expires_at);
    `,
  },
]);

/** The name of the table the throttle store counts in (key, points in the window, window end in ms). */
export const THROTTLE_TABLE = "latchkey_throttle";
