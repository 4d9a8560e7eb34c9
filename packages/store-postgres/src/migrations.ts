import { PRIVILEGE_COLUMNS_SQL } from "./privilege-columns.js";

/** One step of the schema's history. Versions only grow; a released step is never edited. */
export interface PostgresMigration {
  /** Position in the history, from 1. */
  readonly version: number;
  /** What the step does, for `latchkey migrate` output. */
  readonly name: string;
  /** The statements, run in one transaction with the version's record. */
  readonly sql: string;
}

/** The name of the table the throttle store counts in (key, points in the window, window end in ms). */
export const THROTTLE_TABLE = "latchkey_throttle";

/**
 * The schema's history; it mirrors the SQLite schema. Times are `bigint` milliseconds since
 * the epoch, the same numbers the records carry (no time-zone conversion on the hot path, and
 * exact equality with what core wrote); flags are `boolean`. Tables are unqualified, so they
 * land in the connection's `search_path` (a schema per application works).
 */
export const postgresMigrations: readonly PostgresMigration[] = Object.freeze([
  {
    version: 1,
    name: "create sessions, users, groups, permissions and throttle tables",
    sql: `
      CREATE TABLE latchkey_sessions (
        id text PRIMARY KEY,
        secret_hash text NOT NULL,
        user_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('cookie', 'bearer')),
        created_at bigint NOT NULL,
        last_seen_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        absolute_expires_at bigint NOT NULL,
        ip text,
        user_agent text,
        label text
      );
      -- "your devices" lists and "log out everywhere" look sessions up by user, newest first.
      CREATE INDEX latchkey_sessions_user ON latchkey_sessions (user_id, created_at);
      -- Two indexes so the purge's "idle OR absolute" condition can use one for each side.
      CREATE INDEX latchkey_sessions_expires ON latchkey_sessions (expires_at);
      CREATE INDEX latchkey_sessions_absolute_expires ON latchkey_sessions (absolute_expires_at);
      -- The admin listing reads the newest sessions of everyone.
      CREATE INDEX latchkey_sessions_created ON latchkey_sessions (created_at);

      CREATE TABLE latchkey_users (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username text NOT NULL,
        username_key text NOT NULL,
        email text NOT NULL DEFAULT '',
        first_name text NOT NULL DEFAULT '',
        last_name text NOT NULL DEFAULT '',
        is_active boolean NOT NULL DEFAULT true,
        is_staff boolean NOT NULL DEFAULT false,
        is_superuser boolean NOT NULL DEFAULT false,
        password_hash text,
        date_joined bigint NOT NULL,
        last_login bigint,
        CONSTRAINT latchkey_users_username_key_unique UNIQUE (username_key)
      );

      CREATE TABLE latchkey_groups (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE
      );

      CREATE TABLE latchkey_group_permissions (
        group_id bigint NOT NULL REFERENCES latchkey_groups (id) ON DELETE CASCADE,
        permission text NOT NULL,
        PRIMARY KEY (group_id, permission)
      );

      CREATE TABLE latchkey_user_groups (
        user_id bigint NOT NULL REFERENCES latchkey_users (id) ON DELETE CASCADE,
        group_id bigint NOT NULL REFERENCES latchkey_groups (id) ON DELETE CASCADE,
        PRIMARY KEY (user_id, group_id)
      );
      CREATE INDEX latchkey_user_groups_group ON latchkey_user_groups (group_id);

      CREATE TABLE latchkey_user_permissions (
        user_id bigint NOT NULL REFERENCES latchkey_users (id) ON DELETE CASCADE,
        permission text NOT NULL,
        PRIMARY KEY (user_id, permission)
      );

      -- The columns, in this order, that rate-limiter-flexible's RateLimiterPostgres writes
      -- (INSERT … VALUES ($1, $2, $3)); it is told tableCreated: true, so it never runs DDL.
      -- key is text rather than its varchar(255), so a long key is counted, not refused.
      -- expire is ms since the epoch, or NULL for "never".
      CREATE TABLE ${THROTTLE_TABLE} (
        key text PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      );
      CREATE INDEX latchkey_throttle_expire ON ${THROTTLE_TABLE} (expire);
    `,
  },
  {
    version: 2,
    name: "create account keys, verified emails, session freshness and mail outbox tables",
    sql: `
      -- Emailed keys (verification, reset, email change), by the SHA-256 of the key only.
      CREATE TABLE latchkey_account_keys (
        key_hash text PRIMARY KEY,
        purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
        user_id text NOT NULL,
        email text NOT NULL,
        password_stamp text,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX latchkey_account_keys_user ON latchkey_account_keys (user_id);

      -- Addresses a user proved they receive mail at (email is stored lower-cased by core).
      CREATE TABLE latchkey_verified_emails (
        user_id text NOT NULL,
        email text NOT NULL,
        PRIMARY KEY (user_id, email)
      );

      -- When a session last re-authenticated (fresh for the re-authentication window).
      CREATE TABLE latchkey_session_freshness (
        session_id text PRIMARY KEY,
        fresh_at bigint NOT NULL
      );

      -- The durable outbox: a row leaves only when its mail was delivered. due_at is the next
      -- attempt or the end of the current sender's lease.
      CREATE TABLE latchkey_outbox (
        id text PRIMARY KEY,
        recipient text NOT NULL,
        subject text NOT NULL,
        text_body text NOT NULL,
        html_body text NOT NULL,
        created_at bigint NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        due_at bigint NOT NULL,
        last_error text
      );
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
      -- only with a later step (a conditional UPDATE), so it cannot be replayed in its window.
      CREATE TABLE latchkey_mfa_totp (
        user_id text PRIMARY KEY,
        sealed_secret text NOT NULL,
        confirmed boolean NOT NULL DEFAULT false,
        last_used_step bigint,
        created_at bigint NOT NULL
      );

      -- Recovery codes by their SHA-256 only; a used code is deleted.
      CREATE TABLE latchkey_mfa_recovery_codes (
        user_id text NOT NULL,
        code_hash text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (user_id, code_hash)
      );

      -- Logins that passed the password and wait for the second factor, by the token's SHA-256.
      CREATE TABLE latchkey_mfa_pending_logins (
        token_hash text PRIMARY KEY,
        user_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('cookie', 'bearer')),
        label text,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
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
        id text PRIMARY KEY,
        user_id text NOT NULL,
        credential_id text NOT NULL UNIQUE,
        public_key bytea NOT NULL,
        counter bigint NOT NULL,
        transports text[] NOT NULL,
        device_type text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
        backed_up boolean NOT NULL,
        name text NOT NULL,
        created_at bigint NOT NULL,
        last_used_at bigint
      );
      CREATE INDEX latchkey_passkeys_user ON latchkey_passkeys (user_id, created_at);

      -- Outstanding WebAuthn challenges, by the SHA-256 of the challenge only; single-use.
      CREATE TABLE latchkey_webauthn_challenges (
        challenge_hash text PRIMARY KEY,
        purpose text NOT NULL CHECK (purpose IN ('register', 'login', 'second_factor')),
        user_id text,
        expires_at bigint NOT NULL
      );
      CREATE INDEX latchkey_webauthn_challenges_expires ON latchkey_webauthn_challenges (expires_at);
    `,
  },
  {
    version: 5,
    name: "create session-cache lease and revocation-counter tables",
    sql: `
      -- One lease per server process serving from its session cache; expires_at by the
      -- database's clock. A revocation waits for the processes whose lease has not expired.
      CREATE TABLE latchkey_cache_leases (
        process_id text PRIMARY KEY,
        expires_at timestamptz NOT NULL
      );

      -- The revocation counter: one row, incremented by every revocation after its write.
      CREATE TABLE latchkey_cache_revocations (
        id integer PRIMARY KEY CHECK (id = 1),
        counter bigint NOT NULL
      );
      INSERT INTO latchkey_cache_revocations (id, counter) VALUES (1, 0);
    `,
  },
  {
    version: 6,
    name: "keep each user's group names and effective permissions in latchkey_users, exact by triggers",
    sql: PRIVILEGE_COLUMNS_SQL,
  },
]);
