import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cryptoRandom } from "../ports/world.js";
import { cyclingRandom } from "../test-fixtures.test.helper.js";
import {
  csrfSecretOf,
  generateCsrfSecret,
  isWellFormedCsrfValue,
  maskCsrfSecret,
  unmaskCsrfToken,
} from "./csrf-token.js";

describe("CSRF secrets and masked tokens", () => {
  it("makes a secret of 32 characters from [A-Za-z0-9], different every time", () => {
    const secrets = new Set(Array.from({ length: 50 }, () => generateCsrfSecret(cryptoRandom)));
    assert.equal(secrets.size, 50);
    for (const secret of secrets) assert.match(secret, /^[A-Za-z0-9]{32}$/);
  });

  it("masks a secret into 64 characters that unmask to the secret (round trip)", () => {
    for (let i = 0; i < 200; i++) {
      const secret = generateCsrfSecret(cryptoRandom);
      const token = maskCsrfSecret(secret, cryptoRandom);
      assert.match(token, /^[A-Za-z0-9]{64}$/);
      assert.equal(unmaskCsrfToken(token), secret);
    }
  });

  it("masks one secret differently every time, so no two responses carry the same bytes (BREACH)", () => {
    const secret = generateCsrfSecret(cryptoRandom);
    const tokens = new Set(Array.from({ length: 20 }, () => maskCsrfSecret(secret, cryptoRandom)));
    assert.equal(tokens.size, 20);
    for (const token of tokens) {
      assert.equal(unmaskCsrfToken(token), secret);
      assert.ok(!token.includes(secret));
    }
  });

  it("masks as Django's _mask_cipher_secret does: per-character addition modulo 62 over a-zA-Z0-9", () => {
    // Mask "b"*32 (index 1): "a" (0) → "b", "9" (61) wraps to "a", "Z" (51) → "0" (52).
    const mask = cyclingRandom([1]);
    assert.equal(maskCsrfSecret("a".repeat(32), mask), "b".repeat(64));
    assert.equal(maskCsrfSecret("9".repeat(32), mask), "b".repeat(32) + "a".repeat(32));
    assert.equal(maskCsrfSecret("Z".repeat(32), mask), "b".repeat(32) + "0".repeat(32));
    assert.equal(unmaskCsrfToken("b".repeat(32) + "a".repeat(32)), "9".repeat(32));
  });

  it("accepts exactly 32 or 64 alphanumerics as well-formed", () => {
    assert.equal(isWellFormedCsrfValue("a".repeat(32)), true);
    assert.equal(isWellFormedCsrfValue("Z9".repeat(32)), true);
    for (const bad of [
      "",
      "a".repeat(31),
      "a".repeat(33),
      "a".repeat(63),
      "a".repeat(65),
      `${"a".repeat(31)}-`,
      `${"a".repeat(63)}=`,
      "é".repeat(32),
      `${"a".repeat(31)} `,
    ]) {
      assert.equal(isWellFormedCsrfValue(bad), false, JSON.stringify(bad));
    }
  });

  it("reads the secret from either form: a 64-character token is unmasked, a 32-character one is the secret", () => {
    const secret = generateCsrfSecret(cryptoRandom);
    assert.equal(csrfSecretOf(secret), secret);
    assert.equal(csrfSecretOf(maskCsrfSecret(secret, cryptoRandom)), secret);
  });
});
