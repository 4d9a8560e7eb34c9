import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

/** The limiter methods that talk to the store. */
const STORE_METHODS = ["consume", "penalty", "reward", "get", "set", "block", "delete"] as const;

/**
 * Makes a `rate-limiter-flexible` limiter reject with the store's own error type when its
 * backend fails. A refusal (`RateLimiterRes`: "over the limit") passes through untouched; any
 * other failure goes through `translate`, so a store package turns "database unreachable"
 * into `StoreUnavailableError("throttle")` and core answers 503 — an outage never reads as
 * "over the limit", and never crashes the request. Patches the instance in place (the port
 * hands out a `RateLimiterAbstract`, and any of its methods may be called).
 */
export function translateLimiterErrors<T extends RateLimiterAbstract>(limiter: T, translate: (error: unknown) => unknown): T {
  const rethrow = (error: unknown): never => {
    throw error instanceof RateLimiterRes ? error : translate(error);
  };
  for (const name of STORE_METHODS) {
    const original = limiter[name];
    Object.defineProperty(limiter, name, {
      value: (...args: unknown[]): Promise<unknown> => {
        const result: Promise<unknown> = Reflect.apply(original, limiter, args);
        return result.catch(rethrow);
      },
      configurable: true,
      writable: true,
    });
  }
  return limiter;
}
