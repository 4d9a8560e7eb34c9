import assert from "node:assert/strict";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { createPasswordHasher } from "./index.js";

// Known answers from Django's own test suite: django/django, tests/auth_tests/test_hashers.py
// (read at commit 02dbf1667c6da61ea9346f7c9f174a158b896811, Django 4.1 era):
//   test_pbkdf2:                 make_password("lètmein", "seasalt", "pbkdf2_sha256")
//   test_low_level_pbkdf2:       PBKDF2PasswordHasher().encode("lètmein", "seasalt2")
//   test_argon2_version_upgrade: check_password("secret", "argon2$argon2id$v=19$m=102400,t=2,p=8$…")
//   test_argon2:                 old argon2i hashes of "secret", with and without v=19
//   test_scrypt:                 make_password("lètmein", "seasalt", "scrypt")
const DJANGO_PBKDF2 = "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=";
const DJANGO_PBKDF2_LOW_LEVEL = "pbkdf2_sha256$390000$seasalt2$geC/uZ92nRXDSjSxeoiBqYyRcrLzMm8xK3ro1QS1uo8=";
const DJANGO_ARGON2ID = "argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw";
const DJANGO_ARGON2I_V19 = "argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q";
const DJANGO_ARGON2I_NO_VERSION =
  "argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg";
const DJANGO_SCRYPT =
  "scrypt$16384$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw==";

const LIGHT = { memoryKiB: 1024, iterations: 1, parallelism: 1 } as const;

describe("verifying hashes written by Django", () => {
  it("accepts Django's pbkdf2_sha256 test vector and always asks for a re-hash", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    assert.deepEqual(await hasher.verify(DJANGO_PBKDF2, "lètmein"), { valid: true, needsRehash: true });
    assert.deepEqual(await hasher.verify(DJANGO_PBKDF2, "lètmeinz"), { valid: false, needsRehash: false });
    assert.deepEqual(await hasher.verify(DJANGO_PBKDF2_LOW_LEVEL, "lètmein"), { valid: true, needsRehash: true });
    // Django's PBKDF2 hashes need a re-hash under scrypt as well: latchkey never writes PBKDF2.
    const scrypt = createPasswordHasher({ algorithm: "scrypt", scrypt: { cost: 2 ** 14 } });
    assert.deepEqual(await scrypt.verify(DJANGO_PBKDF2, "lètmein"), { valid: true, needsRehash: true });
  });

  it("accepts a pbkdf2_sha256 hash built here the way Django builds it", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    const salt = randomBytes(16).toString("hex");
    const password = "Tr0ub4dor&3 ünïcødé";
    const hash = pbkdf2Sync(Buffer.from(password, "utf8"), Buffer.from(salt, "utf8"), 1000, 32, "sha256");
    const encoded = `pbkdf2_sha256$1000$${salt}$${hash.toString("base64")}`;
    assert.deepEqual(await hasher.verify(encoded, password), { valid: true, needsRehash: true });
    assert.equal((await hasher.verify(encoded, password.trim() + " ")).valid, false);
    assert.equal((await hasher.verify(encoded, password.toLowerCase())).valid, false);
  });

  it("accepts Django's argon2$argon2id$… test vector and asks for a re-hash to our parameters", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    assert.deepEqual(await hasher.verify(DJANGO_ARGON2ID, "secret"), { valid: true, needsRehash: true });
    assert.deepEqual(await hasher.verify(DJANGO_ARGON2ID, "Secret"), { valid: false, needsRehash: false });
  });

  it("accepts Django's older argon2i hashes, with and without a version, and asks for a re-hash", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    assert.deepEqual(await hasher.verify(DJANGO_ARGON2I_V19, "secret"), { valid: true, needsRehash: true });
    assert.deepEqual(await hasher.verify(DJANGO_ARGON2I_NO_VERSION, "secret"), { valid: true, needsRehash: true });
    assert.equal((await hasher.verify(DJANGO_ARGON2I_V19, "wrong")).valid, false);
    assert.equal((await hasher.verify(DJANGO_ARGON2I_NO_VERSION, "wrong")).valid, false);
  });

  it("accepts Django's argon2$ prefix on a hash with the current parameters without a re-hash", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    const djangoStyle = "argon2" + (await hasher.hash("shared with django"));
    assert.ok(djangoStyle.startsWith("argon2$argon2id$v=19$m=1024,t=1,p=1$"));
    assert.deepEqual(await hasher.verify(djangoStyle, "shared with django"), { valid: true, needsRehash: false });
  });

  it("accepts Django's scrypt test vector and re-hashes its short 7-character salt", async () => {
    const sameParams = createPasswordHasher({
      algorithm: "scrypt",
      scrypt: { cost: 2 ** 14, blockSize: 8, parallelism: 1 },
    });
    // Django's must_update() also asks for a re-hash here: "seasalt" carries under 128 bits.
    assert.deepEqual(await sameParams.verify(DJANGO_SCRYPT, "lètmein"), { valid: true, needsRehash: true });
    assert.deepEqual(await sameParams.verify(DJANGO_SCRYPT, "lètmeinz"), { valid: false, needsRehash: false });
    const argon = createPasswordHasher({ argon2: LIGHT });
    assert.deepEqual(await argon.verify(DJANGO_SCRYPT, "lètmein"), { valid: true, needsRehash: true });
  });
});
