import { createHash, timingSafeEqual } from "node:crypto";

/** Lower-case hex SHA-256 of a UTF-8 string. */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/**
 * Compares two ASCII strings in time that depends only on their length, so an attacker who
 * can measure response times learns nothing about how much of a guessed secret was right.
 * Strings of different lengths are unequal (lengths are not secret here).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, "latin1"), Buffer.from(b, "latin1"));
}
