import { translateLimiterErrors, type LimiterSpec, type ThrottleStore } from "@latchkey/core";
import type { Pool } from "pg";
import { RateLimiterPostgres, type RateLimiterAbstract } from "rate-limiter-flexible";
import { THROTTLE_TABLE } from "./migrations.js";
import { toStoreError } from "./store-error.js";

/**
 * A {@link ThrottleStore} counting in the `latchkey_throttle` table with `RateLimiterPostgres`
 * (one atomic upsert per event), so every process using the database shares one count per
 * key. The table comes from our migration (`tableCreated: true`), so the library never runs
 * DDL on a request; its own clean-up timer is off (`clearExpiredByTimeout: false`: one timer
 * per limiter, racing pool shutdown). Expired rows are overwritten on the key's next use;
 * purge the rest with {@link deleteExpiredPostgresThrottleCounters}.
 */
export function postgresThrottleStore(pool: Pool): ThrottleStore {
  return {
    createLimiter(spec: LimiterSpec): RateLimiterAbstract {
      const limiter = new RateLimiterPostgres({
        storeClient: pool,
        storeType: "pool",
        tableName: THROTTLE_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: false,
        keyPrefix: spec.keyPrefix,
        points: spec.points,
        duration: spec.durationSeconds,
      });
      return translateLimiterErrors(limiter, (error) => toStoreError("throttle", error));
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
