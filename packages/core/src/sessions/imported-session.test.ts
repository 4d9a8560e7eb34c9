import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cryptoRandom } from "../ports/world.js";
import { isDjangoSessionKey } from "./imported-session.js";
import { generateSessionToken } from "./session-token.js";

describe("isDjangoSessionKey()", () => {
  it("accepts the shape of Django's session keys: 32 lower-case letters and digits", () => {
    assert.equal(isDjangoSessionKey("abcdefghijklmnopqrstuvwxyz012345"), true);
    assert.equal(isDjangoSessionKey("0".repeat(32)), true);
  });

  it("refuses every other length and character, and latchkey's own tokens", () => {
    for (const value of [
      "",
      "a".repeat(31),
      "a".repeat(33),
      "a".repeat(64),
      `${"a".repeat(31)}A`,
      `${"a".repeat(31)}-`,
      `${"a".repeat(31)} `,
      `${"a".repeat(31)}é`,
      generateSessionToken(cryptoRandom).token,
    ])
      assert.equal(isDjangoSessionKey(value), false, JSON.stringify(value));
  });
});
