import { randomBytes, timingSafeEqual } from "node:crypto";
import { argon2d, argon2i, argon2id, hash as argon2Raw } from "argon2";
import { decodeBase64, encodeBase64NoPadding, parseDecimal } from "./encoding.js";
import { argon2ParamProblems, VERIFY_LIMITS, type Argon2Params } from "./params.js";

// Argon2 in PHC string format (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), and Django's
// variant of it, which is the same string after the word "argon2"
// (Django's Argon2PasswordHasher.encode: `self.algorithm + data.decode("ascii")`).

const VARIANTS = { argon2id, argon2i, argon2d } as const;
type Variant = keyof typeof VARIANTS;

/** Bytes of salt in hashes we write (the PHC and RFC 9106 recommendation). */
const SALT_BYTES = 16;
/** Bytes of hash in hashes we write (RFC 9106; also Django's `hash_len`). */
const HASH_BYTES = 32;
/** Argon2 1.3, the only version we write; 1.0 (0x10) is still read. */
const VERSION_13 = 0x13;

/** An argon2 hash taken apart; numbers are checked against `VERIFY_LIMITS`. */
export interface ParsedArgon2 {
  readonly kind: "argon2";
  readonly variant: Variant;
  readonly version: 0x10 | 0x13;
  readonly params: Argon2Params;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/**
 * Takes apart `$argon2…` (PHC) or `argon2$argon2…` (Django), or answers `null` when the
 * string is malformed or asks for more work than `VERIFY_LIMITS` allow.
 */
export function parseArgon2(encoded: string): ParsedArgon2 | null {
  const phc = encoded.startsWith("argon2$") ? encoded.slice("argon2".length) : encoded;
  const fields = phc.split("$");
  // ["", variant, "v=19"?, "m=…,t=…,p=…", salt, hash]; hashes from before argon2 1.3 have no version.
  if (fields[0] !== "" || (fields.length !== 5 && fields.length !== 6)) return null;
  const variant = fields[1];
  if (variant !== "argon2id" && variant !== "argon2i" && variant !== "argon2d") return null;
  let version: 0x10 | 0x13 = 0x10;
  if (fields.length === 6) {
    if (fields[2] === "v=19") version = 0x13;
    else if (fields[2] !== "v=16") return null;
  }
  const params = parseArgon2Params(fields.at(-3) ?? "");
  const salt = decodeBase64(fields.at(-2) ?? "");
  const hash = decodeBase64(fields.at(-1) ?? "");
  if (params === null || salt === null || hash === null) return null;
  // libargon2's own bounds: salt ≥ 8 bytes, hash ≥ 4 bytes.
  if (salt.length < 8 || salt.length > VERIFY_LIMITS.maxSaltLength) return null;
  if (hash.length < 4 || hash.length > VERIFY_LIMITS.maxHashBytes) return null;
  return { kind: "argon2", variant, version, params, salt, hash };
}

/**
 * Reads `m=…,t=…,p=…` in any order (node-argon2 writes `m,p,t`, the reference
 * implementation `m,t,p`). Extra keys such as `data=` or `keyid=` are refused: we could not
 * reproduce such a hash anyway.
 */
function parseArgon2Params(text: string): Argon2Params | null {
  const values = new Map<string, number>();
  for (const pair of text.split(",")) {
    const [key, value, extra] = pair.split("=");
    if (extra !== undefined || value === undefined || (key !== "m" && key !== "t" && key !== "p")) return null;
    const n = parseDecimal(value);
    if (n === null || values.has(key)) return null;
    values.set(key, n);
  }
  const memoryKiB = values.get("m");
  const iterations = values.get("t");
  const parallelism = values.get("p");
  if (memoryKiB === undefined || iterations === undefined || parallelism === undefined) return null;
  const params = { memoryKiB, iterations, parallelism };
  return argon2ParamProblems(params, "argon2").length === 0 ? params : null;
}

/** Hashes `password` with argon2id and `params`; a fresh 16-byte salt; PHC string with `m,t,p` in reference order. */
export async function hashArgon2id(password: Buffer, params: Argon2Params): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await argon2Raw(password, {
    raw: true,
    type: argon2id,
    version: VERSION_13,
    memoryCost: params.memoryKiB,
    timeCost: params.iterations,
    parallelism: params.parallelism,
    hashLength: HASH_BYTES,
    salt,
  });
  // Written by hand rather than by node-argon2's serializer, which orders the parameters
  // `m,p,t`: libargon2's decoder (used by argon2-cffi, hence Django) insists on `m,t,p`.
  const p = params;
  return `$argon2id$v=19$m=${p.memoryKiB},t=${p.iterations},p=${p.parallelism}$${encodeBase64NoPadding(salt)}$${encodeBase64NoPadding(hash)}`;
}

/** Recomputes the hash on libuv's thread pool and compares in constant time. */
export async function verifyArgon2(parsed: ParsedArgon2, password: Buffer): Promise<boolean> {
  const actual = await argon2Raw(password, {
    raw: true,
    type: VARIANTS[parsed.variant],
    version: parsed.version,
    memoryCost: parsed.params.memoryKiB,
    timeCost: parsed.params.iterations,
    parallelism: parsed.params.parallelism,
    hashLength: parsed.hash.length,
    salt: parsed.salt,
  });
  return timingSafeEqual(actual, parsed.hash);
}

/**
 * True when `parsed` is what we would write today: argon2id 1.3 with exactly `params`, a
 * 32-byte hash and a salt of at least 16 bytes. Django's `argon2$` prefix alone does not
 * call for a re-hash (same algorithm, and re-writing would stop Django reading it).
 */
export function isCurrentArgon2(parsed: ParsedArgon2, params: Argon2Params): boolean {
  return (
    parsed.variant === "argon2id" &&
    parsed.version === VERSION_13 &&
    parsed.params.memoryKiB === params.memoryKiB &&
    parsed.params.iterations === params.iterations &&
    parsed.params.parallelism === params.parallelism &&
    parsed.hash.length === HASH_BYTES &&
    parsed.salt.length >= SALT_BYTES
  );
}
