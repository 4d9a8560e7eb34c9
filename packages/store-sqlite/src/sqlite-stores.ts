import type { AccountStore, MfaStore, PasskeyStore, Stores } from "@latchkey/core";
import type Database from "better-sqlite3";
import { createChangeWatch, UNWATCHED, type ChangeWatch } from "./change-watch.js";
import { assertSqliteSchemaCurrent } from "./migrate.js";
import { DEFAULT_CACHE_ENTRIES } from "./read-cache.js";
import { sqliteAccountStore } from "./sqlite-account-store.js";
import { sqlitePasskeyStore } from "./sqlite-passkey-store.js";
import { sqliteMfaStore } from "./sqlite-mfa-store.js";
import { sqliteSessionStore } from "./sqlite-session-store.js";
import { sqliteThrottleStore } from "./sqlite-throttle-store.js";
import { sqliteUserStore, type SqliteUserStore } from "./sqlite-user-store.js";

/** Options of {@link sqliteStores}. */
export interface SqliteStoresOptions {
  /**
   * An open better-sqlite3 connection whose schema is current (see `migrateSqlite`). The
   * caller owns it: the stores never close it. `openSqliteDatabase(path)` opens one with the
   * recommended pragmas.
   */
  database: Database.Database;
  /**
   * Most sessions and most users each store keeps in its exact read cache (see
   * `sqliteSessionStore`); 0 turns the caches off.
   * @default 10000
   */
  cacheEntries?: number;
  /**
   * How the caches learn about other processes' writes. The ready server passes a
   * `createSignalledChangeWatch` (no probe per lookup; told about writes).
   * @default a `createChangeWatch` of the connection (probes `data_version` on every lookup)
   */
  watch?: ChangeWatch;
}

/** The three SQLite stores; `users` also administers group permissions. */
export interface SqliteStores extends Stores {
  users: SqliteUserStore;
  accounts: AccountStore;
  passkeys: PasskeyStore;
  mfa: MfaStore;
}

/**
 * Sessions, users and throttle counters in one SQLite database: latchkey's embedded default.
 * Every process opening the same file shares them (WAL lets readers run beside a writer).
 *
 * @throws {SqliteMigrationsPendingError} when the schema is missing or behind, so a
 *   forgotten `latchkey migrate` fails at start-up with instructions, not on the first request.
 */
export function sqliteStores(options: SqliteStoresOptions): SqliteStores {
  const { database } = options;
  assertSqliteSchemaCurrent(database);
  // One watch for both stores: a session write made through the session store then does
  // not empty the user cache, and the other way round.
  const cacheEntries = options.cacheEntries ?? DEFAULT_CACHE_ENTRIES;
  const cache = { cacheEntries, watch: options.watch ?? (cacheEntries > 0 ? createChangeWatch(database) : UNWATCHED) };
  return {
    sessions: sqliteSessionStore(database, cache),
    users: sqliteUserStore(database, cache),
    throttle: sqliteThrottleStore(database),
    accounts: sqliteAccountStore(database, cache.watch),
    passkeys: sqlitePasskeyStore(database, cache.watch),
    mfa: sqliteMfaStore(database, cache.watch),
  };
}
