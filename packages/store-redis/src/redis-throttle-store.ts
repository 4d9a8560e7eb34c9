import type { ThrottleDecision, ThrottleStore } from "@latchkey/core";
import { redisKeys } from "./keys.js";
import type { RedisClient } from "./redis-client.js";
import { CONSUME_THROTTLE, REFUND_THROTTLE, runScript } from "./scripts.js";
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
 * A {@link ThrottleStore} counting in Redis: one string key per counted key, whose native
 * expiry is the end of its window, so counters vanish by themselves. A consume is one Lua
 * script on that one key (check, increment, open the window), which Redis runs alone, so
 * concurrent consumes from every process sharing the Redis, or the Redis Cluster (one key:
 * one slot), are counted exactly.
 */
export function redisThrottleStore(options: RedisThrottleStoreOptions): ThrottleStore {
  const keys = redisKeys(options.keyPrefix ?? "latchkey");
  const { client } = options;
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
        const reply = await runScript(client, CONSUME_THROTTLE, keys.throttle(key), [limit, windowSeconds * 1000]);
        const [counted, value] = Array.isArray(reply) ? reply.map(Number) : [];
        if (counted === undefined || value === undefined || Number.isNaN(value))
          throw new Error(`unexpected reply from the throttle script: ${String(reply)}`);
        return counted === 1
          ? { allowed: true, remaining: Math.max(0, value) }
          : { allowed: false, retryAfterMs: Math.max(1, value) };
      });
    },
    refund(key) {
      return run(async () => {
        await runScript(client, REFUND_THROTTLE, keys.throttle(key), []);
      });
    },
    reset(key) {
      return run(async () => {
        await client.del(keys.throttle(key));
      });
    },
  };
}
