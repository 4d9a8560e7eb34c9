import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_USERNAME_LENGTH, normalizeUsername, usernameKey, usernameProblem } from "./username.js";

describe("usernames", () => {
  it("are NFKC-normalised: full-width letters and ligatures become their plain forms", () => {
    assert.equal(normalizeUsername("Ｍａｒｙ"), "Mary");
    assert.equal(normalizeUsername("ﬁona"), "fiona");
    assert.equal(normalizeUsername("e\u0301mile"), "émile");
  });

  it("share one key across letter case and compatibility forms", () => {
    const key = usernameKey("Alice");
    for (const variant of ["alice", "ALICE", "Ａｌｉｃｅ", "ａＬＩＣＥ"])
      assert.equal(usernameKey(variant), key, variant);
    assert.notEqual(usernameKey("alice2"), key);
    assert.equal(usernameKey("ÉMILE"), usernameKey("e\u0301mile"));
  });

  it("may hold letters, marks, digits and @ . + - _ only", () => {
    for (const good of ["alice", "a.b-c_d+e", "user@example.com", "ünïcödé", "名前", "x1"])
      assert.equal(usernameProblem(good), null, good);
    for (const bad of ["a b", "a/b", "<script>", "a\u0000b", "semi;colon", "tab\t", "emoji😀"])
      assert.match(usernameProblem(bad) ?? "", /valid username/, JSON.stringify(bad));
  });

  it("must not be empty or longer than 150 characters, before or after normalising", () => {
    assert.match(usernameProblem("") ?? "", /must not be empty/);
    assert.equal(usernameProblem("a".repeat(MAX_USERNAME_LENGTH)), null);
    assert.match(usernameProblem("a".repeat(MAX_USERNAME_LENGTH + 1)) ?? "", /no more than 150 characters/);
    // 100 ligatures normalise to 200 letters.
    assert.match(usernameProblem("ﬀ".repeat(100)) ?? "", /no more than 150 characters/);
  });

  it("caps the length before normalising, so huge input never reaches NFKC (CVE-2023-46695)", () => {
    const original = String.prototype.normalize;
    let calls = 0;
    String.prototype.normalize = function (this: string, form?: string) {
      calls += 1;
      return original.call(this, form);
    };
    try {
      assert.match(usernameProblem("ﬀ".repeat(1_000_000)) ?? "", /no more than 150 characters/);
    } finally {
      String.prototype.normalize = original;
    }
    assert.equal(calls, 0);
  });

  it("refuses broken Unicode (a lone surrogate)", () => {
    assert.match(usernameProblem("ab\ud800") ?? "", /invalid Unicode/);
  });
});
