import type Database from "better-sqlite3";

/**
 * Tells whether a SQLite database may have changed since this connection last looked, so
 * the stores' read caches can be exact rather than time-bounded. SQLite keeps two counters
 * for this:
 * - `PRAGMA data_version` changes when *another* connection (another process: a second
 *   server, `latchkey` CLI commands) has committed to the file;
 * - `total_changes()` counts rows changed by *this* connection, so a write made on the same
 *   connection outside the stores (an app's own SQL) is noticed too.
 * Reading both costs about a fifth of a session row read (the pragma takes the WAL read
 * lock; `total_changes()` touches no table).
 */
export interface ChangeWatch {
  /**
   * The current generation: a number that moves on whenever a change the stores did not
   * make themselves may have happened. A cache whose entries were read at another
   * generation drops them.
   */
  generation(): number;
  /**
   * Call right after one of the stores' own writes, once its cache reflects the write: the
   * rows this connection just changed are accounted for and do not move the generation. A
   * commit by another connection in between still does (`data_version` is left alone).
   */
  ownWrite(): void;
}

function asNumber(value: unknown, what: string): number {
  if (typeof value !== "number") throw new Error(`SQLite answered ${what} with ${typeof value}, not a number.`);
  return value;
}

/** Watches `database` (one watch per connection, shared by its stores). */
export function createChangeWatch(database: Database.Database): ChangeWatch {
  const dataVersion = database.prepare<[], unknown>("PRAGMA data_version").pluck().safeIntegers(false);
  const totalChanges = database.prepare<[], unknown>("SELECT total_changes()").pluck().safeIntegers(false);
  let version = Number.NaN;
  let changes = Number.NaN;
  let generation = 0;

  return {
    generation() {
      const v = asNumber(dataVersion.get(), "PRAGMA data_version");
      const c = asNumber(totalChanges.get(), "total_changes()");
      if (v !== version || c !== changes) {
        version = v;
        changes = c;
        generation += 1;
      }
      return generation;
    },
    ownWrite() {
      changes = asNumber(totalChanges.get(), "total_changes()");
    },
  };
}

/** The watch of stores whose caches are off: never probes, never moves. */
export const UNWATCHED: ChangeWatch = Object.freeze({
  generation: () => 0,
  ownWrite: () => {},
});
