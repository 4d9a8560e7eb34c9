import type { RandomSource } from "./ports/world.js";

/** `bytes` random bytes from the source, base64url without padding. */
export function randomBase64url(random: RandomSource, bytes: number): string {
  return Buffer.from(random.fill(new Uint8Array(bytes))).toString("base64url");
}

/**
 * A string of `length` characters drawn uniformly from `alphabet` (at most 256 characters),
 * by rejection sampling: bytes at or above the largest multiple of the alphabet size are
 * thrown away, so no character is likelier than another (a plain `byte % size` is biased).
 */
export function randomString(random: RandomSource, alphabet: string, length: number): string {
  const size = alphabet.length;
  const limit = 256 - (256 % size);
  let out = "";
  while (out.length < length) {
    const bytes = random.fill(new Uint8Array(length * 2));
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const byte = bytes[i] as number;
      if (byte < limit) out += alphabet[byte % size];
    }
  }
  return out;
}
