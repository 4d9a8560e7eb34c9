import type { LimiterSpec, ThrottleStore } from "@latchkey/core";
import { RateLimiterMemory, type RateLimiterAbstract } from "rate-limiter-flexible";

/**
 * A {@link ThrottleStore} counting in this process's memory. Counts are not shared between
 * processes, so each process of a multi-process deployment would allow `points` on its own:
 * use a shared store (SQLite, Redis, PostgreSQL) there.
 */
export function memoryThrottleStore(): ThrottleStore {
  return {
    createLimiter(spec: LimiterSpec): RateLimiterAbstract {
      return new RateLimiterMemory({
        keyPrefix: spec.keyPrefix,
        points: spec.points,
        duration: spec.durationSeconds,
      });
    },
  };
}
