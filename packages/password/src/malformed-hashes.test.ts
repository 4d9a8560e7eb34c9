import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPasswordHasher } from "./index.js";

const LIGHT = { memoryKiB: 1024, iterations: 1, parallelism: 1 } as const;

/** A valid base64 32-byte value, so only the field under test is wrong. */
const B64_32 = Buffer.alloc(32, 7).toString("base64");
const B64_32_NOPAD = B64_32.replace(/=+$/, "");
const SALT_NOPAD = Buffer.alloc(16, 1).toString("base64").replace(/=+$/, "");

const MALFORMED: ReadonlyArray<readonly [string, string]> = [
  ["an empty string", ""],
  ["a Django unusable password", "!unusable"],
  ["a Django unusable password with a random suffix", "!Kq2Xb8d3cW9pLr0sT1uV4yZ5aB6eF7gH8iJ9kL0m"],
  ["a bare algorithm name", "pbkdf2_sha256"],
  ["a non-numeric PBKDF2 iteration count", `pbkdf2_sha256$abc$salt$${B64_32}`],
  ["a PBKDF2 hash that is not base64", "pbkdf2_sha256$1000$salt$hash"],
  ["a PBKDF2 hash of the wrong length", `pbkdf2_sha256$1000$salt$${Buffer.alloc(20).toString("base64")}`],
  ["an absurd PBKDF2 iteration count (a planted DoS)", `pbkdf2_sha256$100000000$salt$${B64_32}`],
  ["a PBKDF2 iteration count with a leading zero", `pbkdf2_sha256$01000$salt$${B64_32}`],
  ["a PBKDF2 iteration count in exponent form", `pbkdf2_sha256$1e3$salt$${B64_32}`],
  ["zero PBKDF2 iterations", `pbkdf2_sha256$0$salt$${B64_32}`],
  ["an empty PBKDF2 salt", `pbkdf2_sha256$1000$$${B64_32}`],
  ["an extra PBKDF2 field", `pbkdf2_sha256$1000$salt$${B64_32}$extra`],
  ["PBKDF2-SHA1, which is not supported", `pbkdf2_sha1$1000$salt$${B64_32}`],
  ["an MD5 hash", "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3"],
  ["argon2 garbage", "$argon2id$garbage"],
  ["a Django argon2 prefix with nothing after it", "argon2$"],
  ["an unknown argon2 variant", `$argon2x$v=19$m=1024,t=1,p=1$${SALT_NOPAD}$${B64_32_NOPAD}`],
  ["an unknown argon2 version", `$argon2id$v=20$m=1024,t=1,p=1$${SALT_NOPAD}$${B64_32_NOPAD}`],
  [
    "argon2 asking for 4 GiB of memory (a planted DoS)",
    `$argon2id$v=19$m=4194304,t=2,p=1$${SALT_NOPAD}$${B64_32_NOPAD}`,
  ],
  [
    "argon2 asking for a million passes (a planted DoS)",
    `$argon2id$v=19$m=1024,t=1000000,p=1$${SALT_NOPAD}$${B64_32_NOPAD}`,
  ],
  ["argon2 with a missing parameter", `$argon2id$v=19$m=1024,t=1$${SALT_NOPAD}$${B64_32_NOPAD}`],
  ["argon2 with a repeated parameter", `$argon2id$v=19$m=1024,t=1,t=2$${SALT_NOPAD}$${B64_32_NOPAD}`],
  ["argon2 with associated data", `$argon2id$v=19$m=1024,t=1,p=1,data=YWJj$${SALT_NOPAD}$${B64_32_NOPAD}`],
  ["argon2 with less memory than its lanes need", `$argon2id$v=19$m=8,t=1,p=4$${SALT_NOPAD}$${B64_32_NOPAD}`],
  ["argon2 with a 4-byte salt", `$argon2id$v=19$m=1024,t=1,p=1$AAAAAA$${B64_32_NOPAD}`],
  ["argon2 with a salt that is not base64", `$argon2id$v=19$m=1024,t=1,p=1$!!!!$${B64_32_NOPAD}`],
  ["scrypt asking for N = 2^30 (a planted DoS)", `scrypt$1073741824$salt$8$1$${B64_32}`],
  ["scrypt with N not a power of two", `scrypt$1000$salt$8$1$${B64_32}`],
  ["scrypt with a huge parallelism", `scrypt$16384$salt$8$1000$${B64_32}`],
  ["scrypt with a missing field", `scrypt$16384$salt$8$${B64_32}`],
  ["a Django bcrypt hash", "bcrypt_sha256$$2b$12$ZuxP5Qs7tVhyONPySP7HWuBfBs3E6A8brHRmwpSYShbDvXnNg0yoS"],
];

describe("verify() on malformed or hostile stored hashes", () => {
  for (const [what, encoded] of MALFORMED) {
    it(`answers invalid, without throwing, for ${what}`, async () => {
      const hasher = createPasswordHasher({ argon2: LIGHT });
      assert.deepEqual(await hasher.verify(encoded, "password"), { valid: false, needsRehash: false });
      assert.deepEqual(await hasher.verify(encoded, ""), { valid: false, needsRehash: false });
    });
  }

  it("treats the unusable-password marker as invalid even when the password is the marker itself", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    assert.deepEqual(await hasher.verify("!", "!"), { valid: false, needsRehash: false });
  });

  it("answers invalid for a well-formed hash whose bytes were tampered with", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    const encoded = await hasher.hash("tamper");
    // Change the second-to-last character: still valid base64, but different bytes.
    const replacement = encoded.at(-2) === "A" ? "B" : "A";
    const tampered = encoded.slice(0, -2) + replacement + encoded.slice(-1);
    assert.notEqual(tampered, encoded);
    assert.equal((await hasher.verify(tampered, "tamper")).valid, false);
  });
});
