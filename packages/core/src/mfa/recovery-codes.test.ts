import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cryptoRandom } from "../ports/world.js";
import { generateRecoveryCodes, recoveryCodeHash } from "./recovery-codes.js";

describe("generateRecoveryCodes() and recoveryCodeHash()", () => {
  it("makes 10 distinct codes and keeps only their hashes, which a typed code finds whatever its case, spaces and dashes", () => {
    const { codes, hashes } = generateRecoveryCodes(cryptoRandom);
    assert.equal(new Set(codes).size, 10);
    for (const [i, code] of codes.entries()) {
      assert.match(code, /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
      assert.ok(!hashes.some((h) => h.includes(code.replaceAll("-", ""))));
      assert.equal(recoveryCodeHash(code), hashes[i]);
      assert.equal(recoveryCodeHash(` ${code.toUpperCase().replaceAll("-", " ")} `), hashes[i]);
    }
  });

  it("refuses text that cannot be a recovery code before any lookup", () => {
    assert.equal(recoveryCodeHash("123456"), null);
    assert.equal(recoveryCodeHash("abcd-efgh-jkmn-pqr0"), null, "0 is not in the alphabet");
    assert.equal(recoveryCodeHash("abcd-efgh-jkmn-pqrst"), null);
  });
});
