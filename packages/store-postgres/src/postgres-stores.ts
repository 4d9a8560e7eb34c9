import type { AccountStore, MfaStore, PasskeyStore, Stores } from "@latchkey/core";
import type { Pool, PoolConfig } from "pg";
import { assertPostgresSchemaCurrent } from "./migrate.js";
import { postgresAccountStore } from "./postgres-account-store.js";
import { postgresPasskeyStore } from "./postgres-passkey-store.js";
import { postgresMfaStore } from "./postgres-mfa-store.js";
import { postgresSessionStore } from "./postgres-session-store.js";
import { postgresThrottleStore } from "./postgres-throttle-store.js";
import { postgresUserStore, type PostgresUserStore } from "./postgres-user-store.js";
import { toStoreError } from "./store-error.js";

/**
 * node-postgres pool options that make a database outage fail fast instead of hanging
 * requests. Spread them into your own: `new pg.Pool({ connectionString, ...recommendedPoolOptions })`.
 *
 * - `connectionTimeoutMillis: 2000`: waiting for a connection (a new one, or a free one from a
 *   busy pool) gives up after 2 s; the default waits forever.
 * - `query_timeout: 5000` (ms): a query with no reply (a hung server, a network black hole)
 *   is rejected after 5 s. Give `latchkey migrate` a pool without it if a future migration
 *   may run longer on a big table.
 * - `max: 10`: connections per pool (node-postgres's default, stated so it is counted). The
 *   authenticated hot path batches its reads (one statement per turn of the event loop), so
 *   a busy process keeps only a few of them busy; count processes × 10 against PostgreSQL's
 *   `max_connections`.
 *
 * Also attach `pool.on("error", …)` and log: node-postgres emits "error" on the pool when an
 * idle connection dies (say, the server restarts), and an "error" event with no listener
 * crashes the process. The pool replaces dead connections by itself, so service resumes when
 * the database does.
 */
export const recommendedPoolOptions: Readonly<PoolConfig> = Object.freeze({
  connectionTimeoutMillis: 2_000,
  query_timeout: 5_000,
  max: 10,
});

/** Options of {@link postgresStores}. */
export interface PostgresStoresOptions {
  /**
   * A node-postgres pool whose database is migrated (see `migratePostgres`). The caller owns
   * it: the stores never end it. See {@link recommendedPoolOptions}.
   */
  pool: Pool;
  /**
   * The PostgreSQL invalidation bus's channel when session caches listen on it: session
   * deletions then NOTIFY it in the same statement (see PostgresSessionStoreOptions). @default none
   */
  invalidationChannel?: string;
}

/** The three PostgreSQL stores; `users` also administers group permissions. */
export interface PostgresStores extends Stores {
  users: PostgresUserStore;
  accounts: AccountStore;
  passkeys: PasskeyStore;
  mfa: MfaStore;
}

/**
 * Sessions, users and throttle counters in one PostgreSQL database, shared by every server
 * process that connects to it.
 *
 * @throws {PostgresMigrationsPendingError} when the schema is missing or behind, so a
 *   forgotten `latchkey migrate` fails at start-up with instructions, not on the first request.
 * @throws {StoreUnavailableError} when the database cannot be reached to check that.
 */
export async function postgresStores(options: PostgresStoresOptions): Promise<PostgresStores> {
  const { pool } = options;
  try {
    await assertPostgresSchemaCurrent(pool);
  } catch (error) {
    throw toStoreError("session", error);
  }
  const users = postgresUserStore(pool);
  return {
    // The session store reads a session and its user in one query (getSessionWithUser).
    sessions: postgresSessionStore(pool, {
      joinedUsers: users,
      ...(options.invalidationChannel === undefined ? {} : { invalidationChannel: options.invalidationChannel }),
    }),
    users,
    throttle: postgresThrottleStore(pool),
    accounts: postgresAccountStore(pool),
    passkeys: postgresPasskeyStore(pool),
    mfa: postgresMfaStore(pool),
  };
}
