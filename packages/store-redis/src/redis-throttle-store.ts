import type { LimiterSpec, ThrottleStore } from "@latchkey/core";
import { RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { redisKeys } from "./keys.js";
import type { RedisClient } from "./redis-client.js";
import { toStoreError } from "./store-error.js";

type Options = Record<string, unknown>;

/**
 * A refusal (`RateLimiterRes`) passes through untouched; an unusable Redis becomes
 * `StoreUnavailableError("throttle")`, so core answers 503 instead of treating an outage as
 * "over the limit" or crashing.
 */
function rethrow(error: unknown): never {
  throw error instanceof RateLimiterRes ? error : toStoreError("throttle", error);
}

/**
 * `RateLimiterRedis` with its failures translated. A subclass (not a wrapper object) because
 * the port hands out a `RateLimiterAbstract`, and core may call any of its methods.
 */
class TranslatingRateLimiterRedis extends RateLimiterRedis {
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

/** Options of {@link redisThrottleStore}. */
export interface RedisThrottleStoreOptions {
  /** A connected ioredis `Redis` or `Cluster` (see `recommendedRedisOptions`). The caller owns it. */
  client: RedisClient;
  /**
   * Start of every key name. No `{` or `}`.
   * @default "latchkey"
   */
  keyPrefix?: string;
}

/**
 * A {@link ThrottleStore} counting in Redis with `RateLimiterRedis`: one key per counted key,
 * updated by one atomic Lua script that also sets its expiry, so every process sharing the
 * Redis (or Cluster) shares one count and counters vanish by themselves after their window.
 * `rejectIfRedisNotReady` makes a disconnected client fail at once instead of queueing.
 */
export function redisThrottleStore(options: RedisThrottleStoreOptions): ThrottleStore {
  const keys = redisKeys(options.keyPrefix ?? "latchkey");
  return {
    createLimiter(spec: LimiterSpec): RateLimiterAbstract {
      return new TranslatingRateLimiterRedis({
        storeClient: options.client,
        rejectIfRedisNotReady: true,
        keyPrefix: keys.throttlePrefix(spec.keyPrefix),
        points: spec.points,
        duration: spec.durationSeconds,
      });
    },
  };
}
