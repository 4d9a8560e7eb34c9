import type Database from "better-sqlite3";

/**
 * The tables the read caches' records are made of: a session is one `latchkey_sessions` row;
 * a user is its `latchkey_users` row with its groups and permissions (`user-rows.ts`).
 */
const CACHED_TABLES = [
  "latchkey_sessions",
  "latchkey_users",
  "latchkey_groups",
  "latchkey_user_groups",
  "latchkey_user_permissions",
  "latchkey_group_permissions",
] as const;

/** The SQL function the triggers call; named so that no application function is taken for it. */
const FUNCTION_NAME = "latchkey_cached_row_changed";

/**
 * A count of the rows this connection inserted, updated or deleted in the tables the read
 * caches hold records of, kept in JavaScript: reading it is a property load, where asking
 * SQLite (`SELECT total_changes()`) was a statement on every lookup (about 1,600 instructions
 * of a whoami). Whatever writes those rows on this connection moves it: latchkey's stores, an
 * application's own SQL on the same connection (`DELETE FROM latchkey_sessions …`), foreign
 * key cascades. Other connections' writes do not (those are `data_version`'s, or a listener's,
 * business).
 */
export interface ConnectionWrites {
  /** Rows changed so far; only ever grows. */
  readonly count: number;
}

/** One counter per connection, shared by every watch of it (a second registration of the function would replace the first). */
const counters = new WeakMap<Database.Database, ConnectionWrites | null>();

/**
 * Counts `database`'s writes to the cached tables through temporary triggers (one per table
 * and statement kind, each calling a JavaScript function). TEMP triggers belong to this
 * connection alone: nothing is written to the file, and other processes never run them.
 *
 * Null when the triggers cannot be set up: a cached table is missing (the schema is not
 * migrated), or the connection is inside a transaction (a rollback would silently take the
 * triggers away). The caller then reads `total_changes()` on every lookup, exact either way.
 *
 * A cached table dropped or rebuilt *on this connection* takes its trigger with it: migrate
 * before the stores are created (as `sqliteStores`' schema check and the ready server do).
 */
export function watchConnectionWrites(database: Database.Database): ConnectionWrites | null {
  const known = counters.get(database);
  if (known !== undefined) return known;
  const counter = { count: 0 };
  let installed: ConnectionWrites | null = null;
  if (!database.inTransaction) {
    try {
      // Not `directOnly`: the triggers must be able to call it.
      database.function(FUNCTION_NAME, { deterministic: false }, () => {
        counter.count += 1;
        return null;
      });
      const triggers = CACHED_TABLES.flatMap((table) =>
        ["INSERT", "UPDATE", "DELETE"].map(
          (event) =>
            `CREATE TEMP TRIGGER IF NOT EXISTS latchkey_watch_${table}_${event.toLowerCase()} AFTER ${event} ON main.${table} BEGIN SELECT ${FUNCTION_NAME}(); END;`,
        ),
      );
      database.transaction(() => {
        for (const trigger of triggers) database.exec(trigger);
      })();
      installed = counter;
    } catch {
      installed = null;
    }
  }
  counters.set(database, installed);
  return installed;
}

/**
 * How many rows this connection has changed, for a watch to compare between lookups: the
 * {@link watchConnectionWrites} counter (no statement), or `total_changes()` (every table)
 * when the triggers could not be set up.
 */
export function ownChangesOf(database: Database.Database): () => number {
  const writes = watchConnectionWrites(database);
  if (writes !== null) return () => writes.count;
  const totalChanges = database.prepare<[], unknown>("SELECT total_changes()").pluck().safeIntegers(false);
  return () => {
    const value = totalChanges.get();
    if (typeof value !== "number")
      throw new Error(`SQLite answered total_changes() with ${typeof value}, not a number.`);
    return value;
  };
}
