import { randomFillSync } from "node:crypto";
import type { RandomSource } from "./ports/world.js";

/** Bytes fetched from the CSPRNG at a time. */
const POOL_BYTES = 4096;
/** Requests larger than this bypass the pool (it would be refilled for each). */
const LARGEST_POOLED = 256;

/**
 * A {@link RandomSource} that fetches `POOL_BYTES` from Node's CSPRNG (OpenSSL's
 * `RAND_bytes`, as `crypto.getRandomValues` uses) at a time and hands them out in order,
 * as `crypto.randomUUID()` does with its cache: a login takes four small fills (session id
 * and secret, CSRF secret and mask), and each call into the CSPRNG costs the event loop far
 * more than copying its bytes.
 *
 * Every byte is handed out once, then zeroed in the pool, so no two callers ever share
 * random bytes (two sessions never get the same secret) and bytes already given away do not
 * stay behind in the pool. `source` is where the bytes come from (a test can count calls).
 */
export function createPooledRandom(source: (bytes: Uint8Array) => void = randomFillSync): RandomSource {
  const pool = new Uint8Array(POOL_BYTES);
  let offset = POOL_BYTES;
  return Object.freeze({
    fill(bytes: Uint8Array): Uint8Array {
      const n = bytes.length;
      if (n > LARGEST_POOLED) {
        source(bytes);
        return bytes;
      }
      if (POOL_BYTES - offset < n) {
        source(pool);
        offset = 0;
      }
      bytes.set(pool.subarray(offset, offset + n));
      pool.fill(0, offset, offset + n);
      offset += n;
      return bytes;
    },
  });
}
