import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validatePassword } from "./index.js";

describe("validatePassword()", () => {
  it("accepts a long, uncommon password unrelated to the account", () => {
    assert.deepEqual(validatePassword("violet mango tractor 42", { username: "alice", email: "alice@example.com" }), {
      ok: true,
    });
  });

  it("refuses a password shorter than 8 characters by default, in Django's words", () => {
    assert.deepEqual(validatePassword("x7#kQ2"), {
      ok: false,
      problems: ["This password is too short. It must contain at least 8 characters."],
    });
  });

  it("honours a configured minimum length", () => {
    assert.equal(validatePassword("violet mango", { minLength: 15 }).ok, false);
    assert.equal(validatePassword("violet mango tractor", { minLength: 15 }).ok, true);
  });

  it("counts characters, not UTF-16 units: four emoji are four characters", () => {
    const emoji = "🔑🐙🌵🎻";
    assert.equal(emoji.length, 8);
    assert.equal(validatePassword(emoji).ok, false);
    assert.equal(validatePassword(emoji + "🍋🚲🧩🪁").ok, true);
  });

  it("refuses a password longer than 4096 characters by default (long-password DoS)", () => {
    assert.equal(validatePassword("a1b2".repeat(1024)).ok, true);
    assert.deepEqual(validatePassword("a1b2".repeat(1024) + "z"), {
      ok: false,
      problems: ["This password is too long. It must contain at most 4096 characters."],
    });
    assert.equal(validatePassword("violet mango tractor", { maxLength: 10 }).ok, false);
  });

  it("refuses common passwords, ignoring case and surrounding spaces", () => {
    for (const common of ["password123", "qwerty123", "PassWord123", "QWERTY123", " iloveyou1 "]) {
      assert.deepEqual(validatePassword(common), { ok: false, problems: ["This password is too common."] }, common);
    }
  });

  it("lets a common password through when the check is turned off", () => {
    assert.deepEqual(validatePassword("password123", { commonPasswordCheck: false }), { ok: true });
  });

  it("refuses a password that is, contains, or is contained in the username", () => {
    const message = "The password is too similar to the username.";
    for (const password of ["margaret_h", "MARGARET_H", "margaret_h2024!", "xxmargaret_hxx"]) {
      assert.deepEqual(
        validatePassword(password, { username: "margaret_h" }),
        { ok: false, problems: [message] },
        password,
      );
    }
    assert.deepEqual(validatePassword("quetzalcoatl9", { username: "the.quetzalcoatl9.fan" }), {
      ok: false,
      problems: [message],
    });
  });

  it("accepts a long random password that merely contains a short username", () => {
    assert.deepEqual(validatePassword("q7Zr!Acc9mWx2#Lp0vTe", { username: "acc" }), { ok: true });
    assert.deepEqual(validatePassword("acc2024!", { username: "acc" }), {
      ok: false,
      problems: ["The password is too similar to the username."],
    });
  });

  it("refuses a password too similar to the email's local part, not its domain", () => {
    assert.deepEqual(validatePassword("rosalind.f-1990", { email: "Rosalind.F@example.com" }), {
      ok: false,
      problems: ["The password is too similar to the email address."],
    });
    assert.equal(validatePassword("example.com is mine", { email: "rosalind@example.com" }).ok, true);
  });

  it("ignores usernames and local parts shorter than 3 characters", () => {
    assert.equal(validatePassword("violet mango tractor", { username: "vi", email: "ma@example.com" }).ok, true);
  });

  it("reports every problem at once", () => {
    const result = validatePassword("bob", { username: "bob" });
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.problems, [
      "This password is too short. It must contain at least 8 characters.",
      "This password is too common.",
      "The password is too similar to the username.",
    ]);
  });

  it("refuses a lone UTF-16 surrogate, which has no UTF-8 form to hash", () => {
    assert.deepEqual(validatePassword("violet mango \ud800 tractor"), {
      ok: false,
      problems: ["This password contains an invalid character."],
    });
  });

  it("imposes no composition rules: all lower-case letters and spaces are fine (ASVS 6.2.5)", () => {
    assert.deepEqual(validatePassword("quiet harbour lanterns"), { ok: true });
  });

  it("throws on a nonsensical length configuration", () => {
    assert.throws(() => validatePassword("violet mango", { minLength: 0 }), RangeError);
    assert.throws(() => validatePassword("violet mango", { minLength: 10, maxLength: 9 }), RangeError);
  });
});
