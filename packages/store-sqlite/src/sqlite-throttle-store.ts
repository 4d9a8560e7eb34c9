import type { ThrottleDecision, ThrottleStore } from "@latchkey/core";
import type Database from "better-sqlite3";
import { THROTTLE_TABLE } from "./migrations.js";
import { toStoreError } from "./store-error.js";

/** Options of {@link sqliteThrottleStore}. */
export interface SqliteThrottleStoreOptions {
  /** Milliseconds since the epoch, for window ends. @default Date.now */
  now?: () => number;
}

/** A window that ended (`expire <= now`); NULL (written by older versions) never ends. */
const ENDED = "expire IS NOT NULL AND expire <= @now";

/**
 * Counts one event unless the window is full, in one statement. A new key, or one whose
 * window ended, starts a window with 1; a key under the limit adds 1; a full key matches the
 * upsert's WHERE clause not at all, so nothing is written and no row is returned. SQLite
 * runs one write at a time per database file, so the check and the increment cannot be
 * split by another process's write.
 */
const CONSUME = `
  INSERT INTO ${THROTTLE_TABLE} (key, points, expire) VALUES (@key, 1, @ends)
  ON CONFLICT (key) DO UPDATE SET
    points = CASE WHEN ${ENDED} THEN 1 ELSE points + 1 END,
    expire = CASE WHEN ${ENDED} THEN @ends ELSE expire END
  WHERE ${ENDED} OR points < @limit
  RETURNING points`;

/**
 * A {@link ThrottleStore} counting in the `latchkey_throttle` table (from our migration), so
 * every process using the same SQLite file shares one count per key, and a consume is one
 * atomic upsert. Ended windows are overwritten on the key's next use; purge the rest with
 * {@link deleteExpiredThrottleCounters}.
 */
export function sqliteThrottleStore(
  database: Database.Database,
  options: SqliteThrottleStoreOptions = {},
): ThrottleStore {
  const now = options.now ?? Date.now;
  // Prepared on first use, inside the error translation: a closed database is an outage.
  let statements:
    | { consume: Database.Statement; expiry: Database.Statement; refund: Database.Statement; reset: Database.Statement }
    | undefined;
  const prepared = (): NonNullable<typeof statements> =>
    (statements ??= {
      consume: database.prepare(CONSUME),
      expiry: database.prepare(`SELECT expire FROM ${THROTTLE_TABLE} WHERE key = ?`),
      refund: database.prepare(
        `UPDATE ${THROTTLE_TABLE} SET points = points - 1 WHERE key = @key AND points > 0 AND NOT (${ENDED})`,
      ),
      reset: database.prepare(`DELETE FROM ${THROTTLE_TABLE} WHERE key = ?`),
    });
  const run = <T>(operation: () => T): Promise<T> => {
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(toStoreError("throttle", error));
    }
  };

  return {
    consume(key, limit, windowSeconds) {
      return run((): ThrottleDecision => {
        const at = now();
        const { consume, expiry } = prepared();
        const counted = consume.get({ key, now: at, ends: at + windowSeconds * 1000, limit }) as
          | { points: number }
          | undefined;
        if (counted !== undefined) return { allowed: true, remaining: Math.max(0, limit - counted.points) };
        // Refused: only the wait is read now, so a window ending in between just means "1 ms".
        const row = expiry.get(key) as { expire: number | null } | undefined;
        return { allowed: false, retryAfterMs: Math.max(1, (row?.expire ?? at + windowSeconds * 1000) - at) };
      });
    },
    refund(key) {
      return run(() => {
        prepared().refund.run({ key, now: now() });
      });
    },
    reset(key) {
      return run(() => {
        prepared().reset.run(key);
      });
    },
  };
}

/**
 * Deletes throttle counters whose window ended before `now` (ms since the epoch) and returns
 * how many. For a periodic clean-up job (`latchkey clearsessions`): a counter whose key is
 * never seen again would otherwise stay forever.
 */
export function deleteExpiredThrottleCounters(database: Database.Database, now: number): number {
  try {
    return database.prepare<[number]>(`DELETE FROM ${THROTTLE_TABLE} WHERE expire < ?`).run(now).changes;
  } catch (error) {
    throw toStoreError("throttle", error);
  }
}
