import { sha256Hex } from "../encoding.js";
import type { RandomSource } from "../ports/world.js";
import { randomString } from "../random.js";

/** Codes per set (SPEC §2b). */
export const RECOVERY_CODE_COUNT = 10;
/** Lower-case letters and digits without look-alikes (0/o, 1/l/i): 31 symbols, about 4.95 bits each. */
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
/** 16 symbols: about 79 bits, so a plain SHA-256 of a code cannot be reversed by brute force from a leaked table. */
const LENGTH = 16;
const GROUP = 4;

/** A new set of recovery codes (`xxxx-xxxx-xxxx-xxxx`), shown to the user once, and the hashes the store keeps. */
export function generateRecoveryCodes(random: RandomSource): { codes: string[]; hashes: string[] } {
  const codes: string[] = [];
  while (codes.length < RECOVERY_CODE_COUNT) {
    const raw = randomString(random, ALPHABET, LENGTH);
    const code = raw.match(new RegExp(`.{${GROUP}}`, "g"))?.join("-") ?? raw;
    if (!codes.includes(code)) codes.push(code);
  }
  return { codes, hashes: codes.map((code) => sha256Hex(code.replaceAll("-", ""))) };
}

/**
 * The hash to look a typed recovery code up by (case, spaces and dashes ignored), or null when
 * the text cannot be a recovery code. Checked before any store access.
 */
export function recoveryCodeHash(typed: string): string | null {
  const normal = typed.toLowerCase().replace(/[\s-]/g, "");
  if (normal.length !== LENGTH) return null;
  for (const ch of normal) if (!ALPHABET.includes(ch)) return null;
  return sha256Hex(normal);
}
