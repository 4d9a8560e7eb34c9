import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stores } from "@latchkey/core";
import { migrateSqlite, openSqliteDatabase, sqliteStores, sqliteThrottleStore } from "@latchkey/store-sqlite";

/** Real SQLite stores in a fresh temporary file, and how to throw them away. */
export interface TestStores {
  stores: Stores;
  /** The database file. */
  path: string;
  /** Closes the database and deletes its directory. */
  cleanup(): void;
  /** Closes the database but keeps the file, so every later store call fails (a store outage). */
  breakStore(): void;
}

/**
 * Fresh SQLite stores in a temporary file. `now` (ms since the epoch) is the clock the
 * throttle store's windows follow; give it the test clock so a test can move past a window.
 */
export function createTestStores(now: () => number = Date.now): TestStores {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-test-"));
  const path = join(dir, "latchkey.sqlite3");
  const database = openSqliteDatabase(path);
  migrateSqlite(database);
  return {
    stores: { ...sqliteStores({ database }), throttle: sqliteThrottleStore(database, { now }) },
    path,
    cleanup() {
      if (database.open) database.close();
      rmSync(dir, { recursive: true, force: true });
    },
    breakStore() {
      if (database.open) database.close();
    },
  };
}
