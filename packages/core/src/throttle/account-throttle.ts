import type { LimitWindow, ResolvedConfig, ResolvedWorld } from "../config/resolved-config.js";
import { storeCall } from "../store-call.js";

/** What the account routes count. */
export type AccountThrottleBucket = "signupPerIp" | "mailPerAddress" | "mailPerIp";

/**
 * Throttles of the account routes: sign-ups per IP, mails per address, mail requests per IP.
 * This is the one seam between the account routes and the throttle mechanism: `hit()`
 * counts one event with the throttle store's atomic `consume` (a Lua script, a conditional
 * upsert, a synchronous update), so a burst of simultaneous requests cannot slip past the
 * limit, whichever process answers them.
 */
export interface AccountThrottle {
  /**
   * Counts one event for `key`; resolves to null while within the limit, else the seconds until the next is allowed.
   */
  hit(bucket: AccountThrottleBucket, key: string): Promise<number | null>;
}

const PREFIXES: Readonly<Record<AccountThrottleBucket, string>> = Object.freeze({
  signupPerIp: "latchkey:signup:ip:",
  mailPerAddress: "latchkey:mail:address:",
  mailPerIp: "latchkey:mail:ip:",
});

/** The account routes' throttle over the configured throttle store (a no-op with throttling off). */
export function createAccountThrottle(config: ResolvedConfig, world: ResolvedWorld): AccountThrottle {
  if (!config.throttle.enabled) return { hit: async () => null };
  const windows: Readonly<Record<AccountThrottleBucket, LimitWindow>> = {
    signupPerIp: config.accounts.signupPerIp,
    mailPerAddress: config.accounts.mailPerAddress,
    mailPerIp: config.accounts.mailPerIp,
  };
  const throttle = world.stores.throttle;
  return {
    async hit(bucket, key) {
      const { points, durationSeconds } = windows[bucket];
      const decision = await storeCall("throttle", () =>
        throttle.consume(PREFIXES[bucket] + key, points, durationSeconds),
      );
      return decision.allowed ? null : Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    },
  };
}
