import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { cryptoRandom } from "../ports/world.js";
import { cyclingRandom } from "../test-fixtures.test.helper.js";
import { generateSessionToken, isSessionTokenShaped, splitSessionToken } from "./session-token.js";

describe("session tokens", () => {
  it("are <22 base64url>.<43 base64url>: a 128-bit id and a 256-bit secret", () => {
    const { token, id, secretHash } = generateSessionToken(cryptoRandom);
    assert.match(token, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const [idPart = "", secret = ""] = token.split(".");
    assert.equal(id, idPart);
    assert.equal(Buffer.from(idPart, "base64url").length, 16);
    assert.equal(Buffer.from(secret, "base64url").length, 32);
    assert.equal(secretHash, createHash("sha256").update(secret).digest("hex"));
  });

  it("draw the id and the secret from separate random bytes", () => {
    const { token } = generateSessionToken(cyclingRandom(Array.from({ length: 48 }, (_, i) => i)));
    const [id = "", secret = ""] = token.split(".");
    assert.deepEqual(
      [...Buffer.from(id, "base64url")],
      Array.from({ length: 16 }, (_, i) => i),
    );
    assert.deepEqual(
      [...Buffer.from(secret, "base64url")],
      Array.from({ length: 32 }, (_, i) => i + 16),
    );
  });

  it("never repeat", () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => generateSessionToken(cryptoRandom).token));
    assert.equal(tokens.size, 1000);
  });

  it("split back into id and secret, and are shaped like ours", () => {
    const { token, id } = generateSessionToken(cryptoRandom);
    assert.deepEqual(splitSessionToken(token), { id, secret: token.slice(23) });
    assert.equal(isSessionTokenShaped(token), true);
  });

  it("split only at 66 characters with the dot at 22, whatever the other characters", () => {
    const good = generateSessionToken(cryptoRandom).token;
    assert.equal(splitSessionToken(good.slice(1)), null);
    assert.equal(splitSessionToken(`${good}A`), null);
    assert.equal(splitSessionToken(good.replace(".", "A")), null);
    assert.equal(splitSessionToken(`${good.slice(0, 22)}:${good.slice(23)}`), null);
    // A wrong character elsewhere splits: the session manager checks the shape before the
    // token goes past memory (tests/src/scale/session-cache.test.ts).
    const crafted = `${good.slice(0, 65)}+`;
    assert.deepEqual(splitSessionToken(crafted), { id: good.slice(0, 22), secret: crafted.slice(23) });
    assert.equal(isSessionTokenShaped(crafted), false);
  });

  it("refuse near-misses by their shape", () => {
    const good = generateSessionToken(cryptoRandom).token;
    const nearMisses = [
      "",
      good.slice(1),
      `${good}A`,
      good.replace(".", "A"),
      `${good.slice(0, 21)}.${good.slice(21, 22)}${good.slice(23)}`,
      `${good.slice(0, 22)}.${good.slice(23, 65)}.`,
      `${good.slice(0, 65)}=`,
      `${good.slice(0, 65)}+`,
      `${good.slice(0, 65)}/`,
      ` ${good.slice(1)}`,
      `${good.slice(0, 65)}\u0000`,
      `${good.slice(0, 65)}é`,
      `${good.slice(0, 22)}:${good.slice(23)}`,
      "A".repeat(66),
    ];
    for (const bad of nearMisses) assert.equal(isSessionTokenShaped(bad), false, JSON.stringify(bad));
  });

  it("accept exactly the base64url alphabet in every position of id and secret, and nothing else", () => {
    const good = generateSessionToken(cryptoRandom).token;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (let position = 0; position < 66; position++) {
      if (position === 22) continue;
      for (let code = 0; code < 300; code++) {
        const char = String.fromCharCode(code);
        const token = `${good.slice(0, position)}${char}${good.slice(position + 1)}`;
        assert.equal(isSessionTokenShaped(token), alphabet.includes(char), `code ${code} at ${position}`);
      }
    }
    // A character past the Latin-1 range (a surrogate half, an emoji's) in place of one of the alphabet.
    assert.equal(isSessionTokenShaped(`${good.slice(0, 64)}\u{1F600}`), false);
    assert.equal(isSessionTokenShaped(`${good.slice(0, 65)}\uD800`), false);
  });
});
