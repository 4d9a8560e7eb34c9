import { translateLimiterErrors, type LimiterSpec, type ThrottleStore } from "@latchkey/core";
import type Database from "better-sqlite3";
import { RateLimiterSQLite, type RateLimiterAbstract } from "rate-limiter-flexible";
import { THROTTLE_TABLE } from "./migrations.js";
import { toStoreError } from "./store-error.js";

/**
 * A {@link ThrottleStore} counting in the `latchkey_throttle` table, so every process using
 * the same SQLite file shares one count per key. The table comes from our migration
 * (`tableCreated: true`), so the library never runs DDL on a request. Expired rows are
 * overwritten on the key's next use; purge the rest with {@link deleteExpiredThrottleCounters}.
 */
export function sqliteThrottleStore(database: Database.Database): ThrottleStore {
  return {
    createLimiter(spec: LimiterSpec): RateLimiterAbstract {
      const limiter = new RateLimiterSQLite({
        storeClient: database,
        storeType: "better-sqlite3",
        tableName: THROTTLE_TABLE,
        tableCreated: true,
        keyPrefix: spec.keyPrefix,
        points: spec.points,
        duration: spec.durationSeconds,
      });
      return translateLimiterErrors(limiter, (error) => toStoreError("throttle", error));
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
