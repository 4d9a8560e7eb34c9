import type { RateLimiterAbstract } from "rate-limiter-flexible";

/** What a limiter counts: `points` events per `durationSeconds` window, per key. */
export interface LimiterSpec {
  /** Separates this limiter's keys from every other's in a shared store. */
  keyPrefix: string;
  /** Events allowed per window. */
  points: number;
  /** Window length in seconds. */
  durationSeconds: number;
}

/**
 * The rate-limit counter. Counting is done by `rate-limiter-flexible`; each store package
 * hands back a limiter backed by its own database, so every server process sharing the
 * store shares the counts.
 */
export interface ThrottleStore {
  createLimiter(spec: LimiterSpec): RateLimiterAbstract;
}
