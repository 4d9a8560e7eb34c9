import { createPooledRandom } from "../pooled-random.js";

/** Where core reads the time. Injected so expiry can be tested by moving a clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Where core gets randomness. Must be a CSPRNG (`crypto.getRandomValues`). */
export interface RandomSource {
  /** Fills `bytes` with cryptographically secure random bytes and returns it. */
  fill(bytes: Uint8Array): Uint8Array;
}

/**
 * The logger core writes to: the subset of pino's API it uses. Pass a pino logger (or a
 * child of one) or anything with the same four methods.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** The system clock. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** Node's CSPRNG, fetched a page at a time (see `createPooledRandom`). */
export const cryptoRandom: RandomSource = createPooledRandom();

/** A logger that writes nothing. */
export const silentLogger: Logger = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
});
