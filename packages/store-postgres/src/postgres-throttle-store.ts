import type { ThrottleDecision, ThrottleStore } from "@latchkey/core";
import type { Pool } from "pg";
import { THROTTLE_TABLE } from "./migrations.js";
import { toStoreError } from "./store-error.js";

/** Options of {@link postgresThrottleStore}. */
export interface PostgresThrottleStoreOptions {
  /** Milliseconds since the epoch, for window ends. @default Date.now */
  now?: () => number;
}

/** A window that ended; NULL (written by older versions) never ends. $2 is now. */
const ENDED = `${THROTTLE_TABLE}.expire IS NOT NULL AND ${THROTTLE_TABLE}.expire <= $2`;

/**
 * Counts one event unless the window is full, in one statement: `INSERT … ON CONFLICT DO
 * UPDATE` takes the key's row lock and evaluates the update, and its WHERE clause, on the
 * latest committed row, so concurrent consumes of one key queue on that lock and each sees
 * the count the previous one left. A full key matches the WHERE clause not at all: nothing is
 * written and no row is returned. $1 key, $2 now, $3 new window end, $4 limit.
 */
const CONSUME = `
  INSERT INTO ${THROTTLE_TABLE} (key, points, expire) VALUES ($1, 1, $3)
  ON CONFLICT (key) DO UPDATE SET
    points = CASE WHEN ${ENDED} THEN 1 ELSE ${THROTTLE_TABLE}.points + 1 END,
    expire = CASE WHEN ${ENDED} THEN $3 ELSE ${THROTTLE_TABLE}.expire END
  WHERE ${ENDED} OR ${THROTTLE_TABLE}.points < $4
  RETURNING points`;

/**
 * A {@link ThrottleStore} counting in the `latchkey_throttle` table (from our migration), so
 * every process using the database shares one count per key, and a consume is one atomic
 * upsert. Ended windows are overwritten on the key's next use; purge the rest with
 * {@link deleteExpiredPostgresThrottleCounters}.
 */
export function postgresThrottleStore(pool: Pool, options: PostgresThrottleStoreOptions = {}): ThrottleStore {
  const now = options.now ?? Date.now;
  async function run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toStoreError("throttle", error);
    }
  }

  return {
    consume(key, limit, windowSeconds) {
      return run(async (): Promise<ThrottleDecision> => {
        const at = now();
        const ends = at + windowSeconds * 1000;
        const counted = await pool.query<{ points: number }>(CONSUME, [key, at, ends, limit]);
        const row = counted.rows[0];
        if (row !== undefined) return { allowed: true, remaining: Math.max(0, limit - row.points) };
        // Refused: only the wait is read now, so a window ending in between just means "1 ms".
        const expiry = await pool.query<{ expire: string | null }>(
          `SELECT expire FROM ${THROTTLE_TABLE} WHERE key = $1`,
          [key],
        );
        const expire = expiry.rows[0]?.expire;
        return {
          allowed: false,
          retryAfterMs: Math.max(1, (expire === undefined || expire === null ? ends : Number(expire)) - at),
        };
      });
    },
    refund(key) {
      return run(async () => {
        await pool.query(
          `UPDATE ${THROTTLE_TABLE} SET points = points - 1 WHERE key = $1 AND points > 0 AND NOT (${ENDED})`,
          [key, now()],
        );
      });
    },
    reset(key) {
      return run(async () => {
        await pool.query(`DELETE FROM ${THROTTLE_TABLE} WHERE key = $1`, [key]);
      });
    },
  };
}

/**
 * Deletes throttle counters whose window ended before `now` (ms since the epoch) and resolves
 * to how many. For a periodic clean-up job (`latchkey clearsessions`): a counter whose key is
 * never seen again would otherwise stay forever.
 */
export async function deleteExpiredPostgresThrottleCounters(pool: Pool, now: number): Promise<number> {
  try {
    const result = await pool.query(`DELETE FROM ${THROTTLE_TABLE} WHERE expire < $1`, [now]);
    return result.rowCount ?? 0;
  } catch (error) {
    throw toStoreError("throttle", error);
  }
}
