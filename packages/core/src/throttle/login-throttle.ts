import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { LimitWindow, ResolvedConfig, ResolvedWorld } from "../config/resolved-config.js";
import { storeCall } from "../store-call.js";
import { ipThrottleKey } from "./ip-key.js";

/**
 * Brute-force and credential-stuffing protection for password checks (ASVS 6.3.1).
 * Failures are counted per account and per client IP; a key that reached its limit is
 * refused with 429 before any password is hashed. Counting only failures, and clearing the
 * account's count on success, keeps a legitimate user who types a password right unaffected;
 * the per-account limit is deliberately higher than a typist's mistakes and lifts by itself
 * after the window, which bounds how long an attacker can lock someone out.
 */
export interface LoginThrottle {
  /** Seconds until another attempt is allowed, or null if it is allowed now. */
  check(accountKey: string, ip: string | null): Promise<number | null>;
  recordFailure(accountKey: string, ip: string | null): Promise<void>;
  recordSuccess(accountKey: string): Promise<void>;
}

export function createLoginThrottle(config: ResolvedConfig, world: ResolvedWorld): LoginThrottle {
  if (!config.throttle.enabled) {
    return { check: async () => null, recordFailure: async () => {}, recordSuccess: async () => {} };
  }
  const make = (keyPrefix: string, window: LimitWindow): RateLimiterAbstract =>
    world.stores.throttle.createLimiter({ keyPrefix, points: window.points, durationSeconds: window.durationSeconds });
  const perAccount = make("latchkey:login:account", config.throttle.perAccount);
  const perIp = make("latchkey:login:ip", config.throttle.perIp);

  async function retryAfter(limiter: RateLimiterAbstract, key: string, points: number): Promise<number | null> {
    const res = await storeCall("throttle", () => limiter.get(key));
    if (res === null || res.consumedPoints < points) return null;
    return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  }

  async function consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (error) {
      // A rejection with a RateLimiterRes only says the limit is now reached: the count was taken.
      if (error instanceof RateLimiterRes) return;
      await storeCall("throttle", () => Promise.reject(error));
    }
  }

  return {
    async check(accountKey, ip) {
      const [account, address] = await Promise.all([
        retryAfter(perAccount, accountKey, config.throttle.perAccount.points),
        retryAfter(perIp, ipThrottleKey(ip), config.throttle.perIp.points),
      ]);
      if (account === null && address === null) return null;
      return Math.max(account ?? 0, address ?? 0);
    },
    async recordFailure(accountKey, ip) {
      await Promise.all([consume(perAccount, accountKey), consume(perIp, ipThrottleKey(ip))]);
    },
    async recordSuccess(accountKey) {
      await storeCall("throttle", () => perAccount.delete(accountKey).then(() => undefined));
    },
  };
}
