import { pbkdf2, timingSafeEqual } from "node:crypto";
import { decodeBase64, parseDecimal } from "./encoding.js";
import { VERIFY_LIMITS } from "./params.js";

// Django's default hasher: `pbkdf2_sha256$<iterations>$<salt>$<base64 of 32 bytes>`
// (PBKDF2PasswordHasher.encode: "%s$%d$%s$%s" % (algorithm, iterations, salt, hash)).
// Read only, so users migrated from Django can log in; a match always asks for a re-hash.

/** Bytes of hash: Django derives with `dklen` = SHA-256's digest size. */
const HASH_BYTES = 32;

/** A Django PBKDF2-SHA256 hash taken apart. */
export interface ParsedPbkdf2 {
  readonly kind: "pbkdf2_sha256";
  readonly iterations: number;
  readonly salt: string;
  readonly hash: Buffer;
}

/**
 * Takes apart `pbkdf2_sha256$iterations$salt$hash`, or answers `null` when malformed or
 * over `VERIFY_LIMITS.pbkdf2MaxIterations` (a planted `10^9` rounds would be a DoS).
 */
export function parsePbkdf2(encoded: string): ParsedPbkdf2 | null {
  const fields = encoded.split("$");
  if (fields.length !== 4 || fields[0] !== "pbkdf2_sha256") return null;
  const [, iterationsText = "", salt = "", hashText = ""] = fields;
  const iterations = parseDecimal(iterationsText);
  if (iterations === null || iterations < 1 || iterations > VERIFY_LIMITS.pbkdf2MaxIterations) return null;
  if (salt.length === 0 || salt.length > VERIFY_LIMITS.maxSaltLength) return null;
  const hash = decodeBase64(hashText);
  if (hash === null || hash.length !== HASH_BYTES) return null;
  return { kind: "pbkdf2_sha256", iterations, salt, hash };
}

/** Recomputes the hash on libuv's thread pool and compares in constant time. */
export function verifyPbkdf2(parsed: ParsedPbkdf2, password: Buffer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    // Django encodes both password and salt as UTF-8 (`force_bytes`).
    pbkdf2(password, Buffer.from(parsed.salt, "utf8"), parsed.iterations, HASH_BYTES, "sha256", (error, key) =>
      error ? reject(error) : resolve(timingSafeEqual(key, parsed.hash)),
    );
  });
}
