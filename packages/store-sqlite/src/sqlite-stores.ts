import type { Stores } from "@latchkey/core";
import type Database from "better-sqlite3";
import { assertSqliteSchemaCurrent } from "./migrate.js";
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
}

/** The three SQLite stores; `users` also administers group permissions. */
export interface SqliteStores extends Stores {
  users: SqliteUserStore;
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
  return {
    sessions: sqliteSessionStore(database),
    users: sqliteUserStore(database),
    throttle: sqliteThrottleStore(database),
  };
}
