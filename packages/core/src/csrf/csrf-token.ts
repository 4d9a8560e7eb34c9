import { randomString } from "../random.js";
import type { RandomSource } from "../ports/world.js";

/**
 * Django-compatible CSRF tokens, so SPAs and tools written for Django's `csrftoken` work
 * unchanged. The secret is 32 characters from [A-Za-z0-9] (~190 bits); what is sent in
 * responses is a *masked* token: 32 random mask characters followed by the secret shifted
 * by the mask, character by character, modulo 62. A fresh mask per response means the
 * token's bytes differ in every response, which defeats BREACH-style compression attacks
 * that recover a secret repeated in compressed HTTPS bodies; every masking of one secret
 * stays valid.
 */
const CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
export const CSRF_SECRET_LENGTH = 32;
export const CSRF_TOKEN_LENGTH = 64;
const ALNUM = /^[A-Za-z0-9]+$/;

function indexOf(char: string): number {
  return CHARS.indexOf(char);
}

/** A new random secret. */
export function generateCsrfSecret(random: RandomSource): string {
  return randomString(random, CHARS, CSRF_SECRET_LENGTH);
}

/** A masked token for `secret`, different on every call. */
export function maskCsrfSecret(secret: string, random: RandomSource): string {
  const mask = randomString(random, CHARS, CSRF_SECRET_LENGTH);
  let cipher = "";
  for (let i = 0; i < CSRF_SECRET_LENGTH; i++) {
    cipher += CHARS[(indexOf(secret[i] as string) + indexOf(mask[i] as string)) % CHARS.length];
  }
  return mask + cipher;
}

/** The secret inside a masked token. The token must already be known to be 64 alphanumerics. */
export function unmaskCsrfToken(token: string): string {
  const mask = token.slice(0, CSRF_SECRET_LENGTH);
  const cipher = token.slice(CSRF_SECRET_LENGTH);
  let secret = "";
  for (let i = 0; i < CSRF_SECRET_LENGTH; i++) {
    const x = indexOf(cipher[i] as string) - indexOf(mask[i] as string);
    secret += CHARS[(x + CHARS.length) % CHARS.length];
  }
  return secret;
}

/** True for a well-formed value: 32 (a bare secret) or 64 (a masked token) alphanumerics. */
export function isWellFormedCsrfValue(value: string): boolean {
  return (value.length === CSRF_SECRET_LENGTH || value.length === CSRF_TOKEN_LENGTH) && ALNUM.test(value);
}

/**
 * The secret a well-formed value carries: a 64-character value is unmasked, a 32-character
 * one is the secret itself (Django accepts both, for the header and for the cookie).
 */
export function csrfSecretOf(value: string): string {
  return value.length === CSRF_TOKEN_LENGTH ? unmaskCsrfToken(value) : value;
}
