import type { LimiterSpec, ThrottleStore } from "@latchkey/core";
import type { Pool } from "pg";
import { RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { THROTTLE_TABLE } from "./migrations.js";
import { toStoreError } from "./store-error.js";

type Options = Record<string, unknown>;

/**
 * A refusal (`RateLimiterRes`) passes through untouched; an unusable database becomes
 * `StoreUnavailableError("throttle")`, so core answers 503 instead of treating an outage as
 * "over the limit" or crashing.
 */
function rethrow(error: unknown): never {
  throw error instanceof RateLimiterRes ? error : toStoreError("throttle", error);
}

/**
 * `RateLimiterPostgres` with its failures translated. A subclass (not a wrapper object)
 * because the port hands out a `RateLimiterAbstract`, and core may call any of its methods.
 */
class TranslatingRateLimiterPostgres extends RateLimiterPostgres {
  override consume(key: string | number, points?: number, options?: Options): Promise<RateLimiterRes> {
    return super.consume(key, points, options).catch(rethrow);
  }
  override penalty(key: string | number, points?: number, options?: Options): Promise<RateLimiterRes> {
    return super.penalty(key, points, options).catch(rethrow);
  }
  override reward(key: string | number, points?: number, options?: Options): Promise<RateLimiterRes> {
    return super.reward(key, points, options).catch(rethrow);
  }
  override get(key: string | number, options?: Options): Promise<RateLimiterRes | null> {
    return super.get(key, options).catch(rethrow);
  }
  override set(key: string | number, points: number, secDuration: number, options?: Options): Promise<RateLimiterRes> {
    return super.set(key, points, secDuration, options).catch(rethrow);
  }
  override block(key: string | number, secDuration: number, options?: Options): Promise<RateLimiterRes> {
    return super.block(key, secDuration, options).catch(rethrow);
  }
  override delete(key: string | number, options?: Options): Promise<boolean> {
    return super.delete(key, options).catch(rethrow);
  }
}

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
      return new TranslatingRateLimiterPostgres({
        storeClient: pool,
        storeType: "pool",
        tableName: THROTTLE_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: false,
        keyPrefix: spec.keyPrefix,
        points: spec.points,
        duration: spec.durationSeconds,
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
