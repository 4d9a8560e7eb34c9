import { scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { decodeBase64, parseDecimal, randomTextSalt, TEXT_SALT_LENGTH } from "./encoding.js";
import { scryptParamProblems, VERIFY_LIMITS, type ScryptParams } from "./params.js";

// scrypt in Django's format, so Django and latchkey read each other's hashes:
// `scrypt$<N>$<salt>$<r>$<p>$<base64 of 64 bytes>` (Django's ScryptPasswordHasher.encode:
// "%s$%d$%s$%d$%d$%s" % (algorithm, work_factor, salt, block_size, parallelism, hash)).
// The salt is the text itself (its UTF-8 bytes), not base64.

/** Bytes of hash we write; Django's ScryptPasswordHasher uses `dklen=64`. */
const HASH_BYTES = 64;

/** A Django scrypt hash taken apart; numbers are checked against `VERIFY_LIMITS`. */
export interface ParsedScrypt {
  readonly kind: "scrypt";
  readonly params: ScryptParams;
  readonly salt: string;
  readonly hash: Buffer;
}

/** Takes apart `scrypt$N$salt$r$p$hash`, or answers `null` when malformed or over `VERIFY_LIMITS`. */
export function parseScrypt(encoded: string): ParsedScrypt | null {
  const fields = encoded.split("$");
  if (fields.length !== 6 || fields[0] !== "scrypt") return null;
  const [, costText = "", salt = "", blockText = "", parallelText = "", hashText = ""] = fields;
  const cost = parseDecimal(costText);
  const blockSize = parseDecimal(blockText);
  const parallelism = parseDecimal(parallelText);
  const hash = decodeBase64(hashText);
  if (cost === null || blockSize === null || parallelism === null || hash === null) return null;
  const params = { cost, blockSize, parallelism };
  if (scryptParamProblems(params, "scrypt").length > 0) return null;
  if (salt.length === 0 || salt.length > VERIFY_LIMITS.maxSaltLength) return null;
  if (hash.length < 16 || hash.length > VERIFY_LIMITS.maxHashBytes) return null;
  return { kind: "scrypt", params, salt, hash };
}

/** Hashes `password` with scrypt and `params` and a fresh 22-character salt, in Django's format. */
export async function hashScrypt(password: Buffer, params: ScryptParams): Promise<string> {
  const salt = randomTextSalt();
  const hash = await deriveScrypt(password, Buffer.from(salt, "utf8"), params, HASH_BYTES);
  return `scrypt$${params.cost}$${salt}$${params.blockSize}$${params.parallelism}$${hash.toString("base64")}`;
}

/** Recomputes the hash on libuv's thread pool and compares in constant time. */
export async function verifyScrypt(parsed: ParsedScrypt, password: Buffer): Promise<boolean> {
  const actual = await deriveScrypt(password, Buffer.from(parsed.salt, "utf8"), parsed.params, parsed.hash.length);
  return timingSafeEqual(actual, parsed.hash);
}

/**
 * True when `parsed` is what we would write today: exactly `params`, a 64-byte hash, and
 * a salt of at least 22 characters (Django's `must_update()` salt-entropy rule).
 */
export function isCurrentScrypt(parsed: ParsedScrypt, params: ScryptParams): boolean {
  return (
    parsed.params.cost === params.cost &&
    parsed.params.blockSize === params.blockSize &&
    parsed.params.parallelism === params.parallelism &&
    parsed.hash.length === HASH_BYTES &&
    parsed.salt.length >= TEXT_SALT_LENGTH
  );
}

function deriveScrypt(password: Buffer, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.cost,
    r: params.blockSize,
    p: params.parallelism,
    // OpenSSL refuses work needing more than `maxmem` (Node's default is 32 MiB, below the
    // 128 MiB that N = 2^17, r = 8 needs). It allocates 128·r·(N + 2) bytes for V plus
    // 128·r·p for B; the limits in VERIFY_LIMITS already bound what we are asked for.
    maxmem: 128 * params.blockSize * (params.cost + params.parallelism + 2) + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
