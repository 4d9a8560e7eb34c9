import { randomBytes } from "node:crypto";

// Helpers shared by the hash encodings. Everything here reads text that comes out of a
// database and may have been planted, so each parser answers `null` instead of guessing.

/** Plain decimal without sign, leading zeros or exponent: at most 15 digits, so always a safe integer. */
const DECIMAL = /^(?:0|[1-9][0-9]{0,14})$/;

/** The number `text` spells in canonical decimal, or `null` for anything else ("1e6", "007", "-1"). */
export function parseDecimal(text: string): number | null {
  return DECIMAL.test(text) ? Number(text) : null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes standard base64 (`+/` alphabet) with or without `=` padding, or answers `null`.
 * `Buffer.from(…, "base64")` alone skips characters it does not know, which would let many
 * different strings decode to one hash; re-encoding and comparing rejects them.
 */
export function decodeBase64(text: string): Buffer | null {
  if (!BASE64.test(text)) return null;
  const bytes = Buffer.from(text, "base64");
  if (stripPadding(bytes.toString("base64")) !== stripPadding(text)) return null;
  return bytes;
}

/** Standard base64 without `=` padding, as PHC strings (and argon2-cffi) write it. */
export function encodeBase64NoPadding(bytes: Uint8Array): string {
  return stripPadding(Buffer.from(bytes).toString("base64"));
}

function stripPadding(text: string): string {
  return text.replace(/=+$/, "");
}

const SALT_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * Length of the text salts we write: 22 characters of a 62-letter alphabet carry 131 bits,
 * which is what Django's `BasePasswordHasher.salt()` produces and what its `must_update()`
 * asks of a salt (≥ 128 bits), so Django keeps our scrypt hashes without re-hashing.
 */
export const TEXT_SALT_LENGTH = 22;

/**
 * A random alphanumeric salt of `TEXT_SALT_LENGTH` characters. Django's text formats
 * (`scrypt$…`, `pbkdf2_sha256$…`) use the salt string itself as the KDF salt and separate
 * fields with `$`, so the salt must be plain text. Rejection sampling keeps every letter
 * equally likely (`byte % 62` alone is biased).
 */
export function randomTextSalt(): string {
  const limit = 256 - (256 % SALT_ALPHABET.length);
  let out = "";
  while (out.length < TEXT_SALT_LENGTH) {
    for (const byte of randomBytes(TEXT_SALT_LENGTH * 2)) {
      if (byte < limit && out.length < TEXT_SALT_LENGTH) out += SALT_ALPHABET[byte % SALT_ALPHABET.length];
    }
  }
  return out;
}

/** UTF-8 bytes of `password`, exactly as received: no trimming, case folding or normalisation (ASVS 6.2.8). */
export function passwordBytes(password: string): Buffer {
  return Buffer.from(password, "utf8");
}
