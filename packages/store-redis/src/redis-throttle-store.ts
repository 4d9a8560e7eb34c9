import { translateLimiterErrors, type LimiterSpec, type ThrottleStore } from "@latchkey/core";
import { RateLimiterRedis, type RateLimiterAbstract } from "rate-limiter-flexible";
import { redisKeys } from "./keys.js";
import type { RedisClient } from "./redis-client.js";
import { toStoreError } from "./store-error.js";

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
      const limiter = new RateLimiterRedis({
        storeClient: options.client,
        rejectIfRedisNotReady: true,
        keyPrefix: keys.throttlePrefix(spec.keyPrefix),
        points: spec.points,
        duration: spec.durationSeconds,
      });
      return translateLimiterErrors(limiter, (error) => toStoreError("throttle", error));
    },
  };
}
