import type { LimiterSpec, ThrottleStore } from "@latchkey/core";
import type Database from "better-sqlite3";
import { RateLimiterRes, RateLimiterSQLite, type RateLimiterAbstract } from "rate-limiter-flexible";
import { THROTTLE_TABLE } from "./migrations.js";
import { toStoreError } from "./store-error.js";

type Options = Record<string, unknown>;

/**
 * A refusal (`RateLimiterRes`) passes through untouched; an unusable database becomes
 * `StoreUnavailableError("throttle")`, so core answers 503 instead of treating a broken store
 * as "over the limit" or crashing.
 */
function rethrow(error: unknown): never {
  throw error instanceof RateLimiterRes ? error : toStoreError("throttle", error);
}

/**
 * `RateLimiterSQLite` with its failures translated. A subclass (not a wrapper object) because
 * the port hands out a `RateLimiterAbstract`, and core may call any of its methods.
 */
class TranslatingRateLimiterSQLite extends RateLimiterSQLite {
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
 * A {@link ThrottleStore} counting in the `latchkey_throttle` table, so every process using
 * the same SQLite file shares one count per key. The table comes from our migration
 * (`tableCreated: true`), so the library never runs DDL on a request. Expired rows are
 * overwritten on the key's next use; purge the rest with {@link deleteExpiredThrottleCounters}.
 */
export function sqliteThrottleStore(database: Database.Database): ThrottleStore {
  return {
    createLimiter(spec: LimiterSpec): RateLimiterAbstract {
      return new TranslatingRateLimiterSQLite({
        storeClient: database,
        storeType: "better-sqlite3",
        tableName: THROTTLE_TABLE,
        tableCreated: true,
        keyPrefix: spec.keyPrefix,
        points: spec.points,
        duration: spec.durationSeconds,
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
