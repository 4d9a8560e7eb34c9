import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRowId } from "./user-store.js";

describe("parseRowId()", () => {
  it("reads the canonical form of every row id up to 2^53 − 1", () => {
    for (const [id, value] of [
      ["1", 1],
      ["9", 9],
      ["10", 10],
      ["1234567890", 1234567890],
      ["9007199254740991", Number.MAX_SAFE_INTEGER],
    ] as const)
      assert.equal(parseRowId(id), value, id);
  });

  it("refuses every other spelling, so an id that names no row never reaches SQL as text", () => {
    for (const id of [
      "",
      "0",
      "01",
      "-1",
      "+1",
      " 1",
      "1 ",
      "1.0",
      "1e3",
      "0x1",
      "1_000",
      "12a",
      "1\u0000",
      "\u0661", // ARABIC-INDIC DIGIT ONE: a digit to Unicode, not to SQLite
      "１", // FULLWIDTH DIGIT ONE
      "9007199254740992", // 2^53: no longer exact as a number
      "10000000000000000", // 17 digits
      "1".repeat(1000),
    ])
      assert.equal(parseRowId(id), null, JSON.stringify(id));
  });

  it("agrees with the pattern it stands for on every one- and two-character id of Latin-1", () => {
    const pattern = /^[1-9][0-9]{0,15}$/;
    for (let a = 0; a < 256; a++) {
      const one = String.fromCharCode(a);
      assert.equal(parseRowId(one) !== null, pattern.test(one), JSON.stringify(one));
      for (let b = 0; b < 256; b++) {
        const two = one + String.fromCharCode(b);
        assert.equal(parseRowId(two) !== null, pattern.test(two), JSON.stringify(two));
      }
    }
  });
});
