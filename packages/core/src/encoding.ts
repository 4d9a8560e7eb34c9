import { hash } from "node:crypto";

/**
 * Lower-case hex SHA-256 of a UTF-8 string. One-shot: no Hash object per call (it runs on every authenticated request).
 */
export function sha256Hex(value: string): string {
  return hash("sha256", value, "hex");
}

/**
 * Compares two ASCII strings in time that depends only on their length, so an attacker who
 * can measure response times learns nothing about how much of a guessed secret was right.
 * Every character is XOR-ed into one accumulator and the loop never exits early; it
 * allocates nothing. Strings of different lengths are unequal (lengths are not secret here).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
