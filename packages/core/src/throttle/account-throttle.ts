import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { LimitWindow, ResolvedConfig, ResolvedWorld } from "../config/resolved-config.js";
import { storeCall } from "../store-call.js";

/** What the account routes count. */
export type AccountThrottleBucket = "signupPerIp" | "mailPerAddress" | "mailPerIp";

/**
 * Throttles of the account routes: sign-ups per IP, mails per address, mail requests per IP.
 * This is the one seam between the account routes and the throttle mechanism: `hit()`
 * counts one event atomically in the shared throttle store (rate-limiter-flexible's
 * `consume`, one atomic increment in SQLite, PostgreSQL or Redis), so a burst of
 * simultaneous requests cannot slip past the limit, whichever process answers them.
 */
export interface AccountThrottle {
  /** Counts one event for `key`; resolves to null while within the limit, else the seconds until the next is allowed. */
  hit(bucket: AccountThrottleBucket, key: string): Promise<number | null>;
}

export function createAccountThrottle(config: ResolvedConfig, world: ResolvedWorld): AccountThrottle {
  if (!config.throttle.enabled) return { hit: async () => null };
  const make = (keyPrefix: string, window: LimitWindow): RateLimiterAbstract =>
    world.stores.throttle.createLimiter({ keyPrefix, points: window.points, durationSeconds: window.durationSeconds });
  const limiters: Record<AccountThrottleBucket, RateLimiterAbstract> = {
    signupPerIp: make("latchkey:signup:ip", config.accounts.signupPerIp),
    mailPerAddress: make("latchkey:mail:address", config.accounts.mailPerAddress),
    mailPerIp: make("latchkey:mail:ip", config.accounts.mailPerIp),
  };
  return {
    async hit(bucket, key) {
      try {
        await limiters[bucket].consume(key);
        return null;
      } catch (error) {
        // A RateLimiterRes rejection means "over the limit"; anything else is the store failing.
        if (error instanceof RateLimiterRes) return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
        return storeCall("throttle", () => Promise.reject(error));
      }
    },
  };
}
