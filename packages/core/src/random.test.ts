import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cryptoRandom } from "./ports/world.js";
import { randomBase64url, randomString } from "./random.js";
import { cyclingRandom } from "./test-fixtures.test.helper.js";

const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

describe("randomString", () => {
  it("maps each accepted byte to one character of the alphabet", () => {
    assert.equal(randomString(cyclingRandom([0, 1, 61, 62, 125]), ALNUM, 5), "ab9ab");
  });

  it("throws away bytes at or above the largest multiple of the alphabet size (248 for 62 characters)", () => {
    // 248..255 would make the first 8 characters likelier than the rest if taken modulo 62.
    assert.equal(randomString(cyclingRandom([255, 250, 248, 247, 0]), ALNUM, 2), "9a");
  });

  it("is unbiased: a source that yields every byte value equally yields every character equally", () => {
    const out = randomString(cyclingRandom(Array.from({ length: 256 }, (_, i) => i)), ALNUM, 62 * 4 * 10);
    const counts = new Map<string, number>();
    for (const char of out) counts.set(char, (counts.get(char) ?? 0) + 1);
    assert.equal(counts.size, 62);
    for (const [char, count] of counts) assert.equal(count, 40, `character ${char}`);
  });

  it("keeps drawing until it has enough characters, however many bytes are rejected", () => {
    const out = randomString(cyclingRandom([255, 255, 255, 7]), ALNUM, 32);
    assert.equal(out, "h".repeat(32));
  });
});

describe("randomBase64url", () => {
  it("encodes the requested number of bytes without padding", () => {
    assert.equal(randomBase64url(cyclingRandom([0xff]), 3), "____");
    assert.match(randomBase64url(cryptoRandom, 32), /^[A-Za-z0-9_-]{43}$/);
  });
});
