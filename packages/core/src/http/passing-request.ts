import type { LatchkeyRequest } from "./request.js";

/**
 * The request an adapter's middleware is passing on to the app, and latchkey's wrapper of
 * it, while the framework's `next()` runs: a guard the framework calls within that call (a
 * route reached without an asynchronous step) reuses the wrapper instead of building it
 * again. Matched by the framework request's identity and cleared when `next()` returns, so a
 * guard that runs later (after an asynchronous step of the app) builds its own, and no
 * request ever sees another's wrapper.
 */
export interface PassingRequest<K> {
  /** Calls `next()` with `wrapper` known as `key`'s until it returns; returns what it returns. */
  pass<T>(key: K, wrapper: LatchkeyRequest, next: () => T): T;
  /** `key`'s wrapper while its `next()` runs, else null. */
  wrapperOf(key: K): LatchkeyRequest | null;
}

/** One slot per adapter instance (see {@link PassingRequest}). */
export function createPassingRequest<K>(): PassingRequest<K> {
  let passingKey: K | null = null;
  let passingWrapper: LatchkeyRequest | null = null;
  return {
    pass(key, wrapper, next) {
      passingKey = key;
      passingWrapper = wrapper;
      try {
        return next();
      } finally {
        passingKey = null;
        passingWrapper = null;
      }
    },
    wrapperOf: (key) => (passingKey === key ? passingWrapper : null),
  };
}
