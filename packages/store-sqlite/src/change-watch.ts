import type Database from "better-sqlite3";
import { ownChangesOf } from "./connection-writes.js";

/**
 * Tells whether a SQLite database may have changed since this connection last looked, so
 * the stores' read caches can be exact rather than time-bounded. SQLite keeps two counters
 * for this:
 * - `PRAGMA data_version` changes when *another* connection (another process: a second
 *   server, `latchkey` CLI commands) has committed to the file;
 * - the rows *this* connection changed in the cached tables, counted in JavaScript by
 *   temporary triggers (`connection-writes.ts`), so a write made on the same connection
 *   outside the stores (an app's own SQL) is noticed too, for no statement per lookup
 *   (`total_changes()` when the triggers cannot be set up).
 * The pragma costs about a fifth of a session row read (it takes the WAL read lock).
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
  const ownChanges = ownChangesOf(database);
  let version = Number.NaN;
  let changes = Number.NaN;
  let generation = 0;

  return {
    generation() {
      const v = asNumber(dataVersion.get(), "PRAGMA data_version");
      const c = ownChanges();
      if (v !== version || c !== changes) {
        version = v;
        changes = c;
        generation += 1;
      }
      return generation;
    },
    ownWrite() {
      changes = ownChanges();
    },
  };
}

/** The watch of stores whose caches are off: never probes, never moves. */
export const UNWATCHED: ChangeWatch = Object.freeze({
  generation: () => 0,
  ownWrite: () => {},
});
