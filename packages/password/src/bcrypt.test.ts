import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPasswordHasher } from "./index.js";

// Made the way Django's BCryptSHA256PasswordHasher and BCryptPasswordHasher make them
// (Django 3.2 hashers.py: bcrypt.hashpw(hexlify(sha256(password).digest()), salt), and
// bcrypt.hashpw(password, salt)), with Debian's python3-bcrypt 3.2.2 at cost 5.
const SHA256_LETMEIN = "bcrypt_sha256$$2b$05$h3PMKlvlBK1kwf3SyRZplOpkKkBgbA4998VU6QiSScLXMi5RQeKf.";
const PLAIN_LETMEIN = "bcrypt$$2b$05$wEolQe2dosYE5M7QsnJcO.7Fby2rCOS2u6tMoToeZyNLKG2Gz7kT.";
const SHA256_LONG = "bcrypt_sha256$$2b$05$l8DM99Gln6O.v15vcKC6H.4WCMkMTRfo3ontU6b3jjA4JFmNfzD8m";
const PLAIN_LONG = "bcrypt$$2b$05$Z572j7oySjw4PGV3DYqwfeXRVtbjvjt5UCXYMs.LTrVKBcXrMh8lq";

const LIGHT = { memoryKiB: 1024, iterations: 1, parallelism: 1 } as const;

describe("verifying Django's bcrypt hashes", () => {
  it("accepts the right password for bcrypt_sha256 and bcrypt hashes and always asks for a re-hash", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    assert.deepEqual(await hasher.verify(SHA256_LETMEIN, "lètmein"), { valid: true, needsRehash: true });
    assert.deepEqual(await hasher.verify(PLAIN_LETMEIN, "lètmein"), { valid: true, needsRehash: true });
    assert.deepEqual(await hasher.verify(SHA256_LETMEIN, "letmein"), { valid: false, needsRehash: false });
    assert.deepEqual(await hasher.verify(PLAIN_LETMEIN, "lètmeiN"), { valid: false, needsRehash: false });
  });

  it("checks every character of a long password under bcrypt_sha256, where plain bcrypt stops at 72 bytes as Django's does", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    const long = "x".repeat(100);
    const changedAfter72 = `${"x".repeat(80)}y${"x".repeat(19)}`;
    assert.equal((await hasher.verify(SHA256_LONG, long)).valid, true);
    assert.equal((await hasher.verify(SHA256_LONG, changedAfter72)).valid, false);
    assert.equal((await hasher.verify(PLAIN_LONG, long)).valid, true);
    assert.equal((await hasher.verify(PLAIN_LONG, changedAfter72)).valid, true);
  });

  it("refuses malformed and over-costly bcrypt hashes without throwing (a planted cost 31 would take days)", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    const tooCostly = SHA256_LETMEIN.replace("$2b$05$", "$2b$31$");
    for (const encoded of [
      tooCostly,
      "bcrypt_sha256$",
      "bcrypt_sha256$$2b$05$short",
      `bcrypt_sha256${SHA256_LETMEIN.slice(13)}x`,
      "bcrypt_sha1$$2b$05$h3PMKlvlBK1kwf3SyRZplOpkKkBgbA4998VU6QiSScLXMi5RQeKf.",
    ]) {
      assert.deepEqual(await hasher.verify(encoded, "lètmein"), { valid: false, needsRehash: false }, encoded);
    }
  });
});
