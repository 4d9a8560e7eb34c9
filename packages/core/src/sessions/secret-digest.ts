import { hash } from "node:crypto";
import { constantTimeEqual } from "../encoding.js";
import type { SessionRecord } from "../ports/session-store.js";

/**
 * The SHA-256 of a session secret as 32 bytes, one character per byte (a `latin1`, alias `binary`, string),
 * for comparing with what a store holds: the stores keep the lower-case hex form
 * (`secretHash`), and only that, so a heap dump or a leaked database holds hashes, never a
 * usable secret. Bytes rather than hex because this runs on every authenticated request:
 * `crypto.hash` answers 32 one-byte characters for less than 64 hex ones, and the
 * constant-time comparison walks half as many (counted under callgrind: about 450
 * instructions fewer for the hash, 1,300 fewer for the comparison; a `Buffer` answer costs
 * 4,000 more than either string).
 */
export function secretDigest(secret: string): string {
  // "binary" is Node's older name for latin1: one character per byte.
  return hash("sha256", secret, "binary");
}

/** Hex digits by value, as character codes. */
const HEX_DIGITS = Array.from("0123456789abcdef", (digit) => digit.charCodeAt(0));

/**
 * Compares a {@link secretDigest} with a stored lower-case hex hash in constant time, without
 * decoding the hex (for a record read from the store for this request alone, which would
 * otherwise be decoded and thrown away). See {@link storedDigestMatches} for why constant time.
 */
export function digestMatchesHex(digest: string, secretHash: string): boolean {
  if (secretHash.length !== digest.length * 2) return false;
  let difference = 0;
  for (let i = 0; i < digest.length; i++) {
    const byte = digest.charCodeAt(i);
    difference |=
      ((HEX_DIGITS[byte >> 4] ?? -1) ^ secretHash.charCodeAt(2 * i)) |
      ((HEX_DIGITS[byte & 15] ?? -1) ^ secretHash.charCodeAt(2 * i + 1));
  }
  return difference === 0;
}

/**
 * Stored hashes decoded to bytes, once per record: a record held in memory (the session
 * cache's entries, the SQLite stores' read cache, which hands out the same frozen object on
 * every hit) is decoded at its first use and compared as bytes from then on. Weak, so a
 * record its cache dropped takes its entry with it; only hashes are kept, never a secret.
 */
const decoded = new WeakMap<SessionRecord, string>();

/**
 * The record's hash as bytes (a latin1 string), or "" (which matches no digest) when it is
 * not lower-case hex: the same hashes match here as in {@link digestMatchesHex} (Buffer would
 * accept upper case, and stop silently at the first character that is not a hex digit).
 */
function storedDigest(session: SessionRecord): string {
  let bytes = decoded.get(session);
  if (bytes === undefined) {
    const buffer = Buffer.from(session.secretHash, "hex");
    bytes = buffer.toString("hex") === session.secretHash ? buffer.toString("latin1") : "";
    decoded.set(session, bytes);
  }
  return bytes;
}

/**
 * Whether `digest` (the {@link secretDigest} of the secret a client presented) is the hash
 * the session record keeps, for a record held in memory and met again (a cache hit).
 *
 * Constant time: every byte is compared whatever the earlier ones were, so an attacker who
 * holds a session id (ids are not secret: they are logged, and the lookup by id is an index
 * probe) and can time the answers learns nothing about how much of the stored hash a guessed
 * secret's hash matched (`===` stops at the first differing character).
 */
export function storedDigestMatches(session: SessionRecord, digest: string): boolean {
  return constantTimeEqual(digest, storedDigest(session));
}
