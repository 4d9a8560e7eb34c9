import assert from "node:assert/strict";
import { scrypt } from "node:crypto";
import { describe, it } from "node:test";
import { createPasswordHasher } from "./index.js";

/** Django's own scrypt work factor, small enough for tests. */
const TEST_SCRYPT = { cost: 2 ** 14, blockSize: 8, parallelism: 1 } as const;

describe("createPasswordHasher() with scrypt", () => {
  it("round-trips a password in Django's scrypt$N$salt$r$p$hash format", async () => {
    const hasher = createPasswordHasher({ algorithm: "scrypt", scrypt: TEST_SCRYPT });
    assert.equal(hasher.algorithm, "scrypt");
    const encoded = await hasher.hash("lètmein");
    assert.match(encoded, /^scrypt\$16384\$[A-Za-z0-9]{22}\$8\$1\$[A-Za-z0-9+/]{86}==$/);
    assert.deepEqual(await hasher.verify(encoded, "lètmein"), { valid: true, needsRehash: false });
    assert.deepEqual(await hasher.verify(encoded, "lètmeinz"), { valid: false, needsRehash: false });
    assert.equal((await hasher.verify(encoded, "letmein")).valid, false);
  });

  it("writes a hash that plain scrypt of the salt text reproduces, as Django computes it", async () => {
    const hasher = createPasswordHasher({ algorithm: "scrypt", scrypt: TEST_SCRYPT });
    const encoded = await hasher.hash("interop");
    const [, n, salt, r, p, hash] = encoded.split("$");
    const expected = await new Promise<Buffer>((resolve, reject) =>
      scrypt("interop", salt ?? "", 64, { N: Number(n), r: Number(r), p: Number(p) }, (error, key) =>
        error ? reject(error) : resolve(key),
      ),
    );
    assert.equal(hash, expected.toString("base64"));
  });

  it("asks for a re-hash when the stored parameters differ from the configured ones", async () => {
    const light = createPasswordHasher({ algorithm: "scrypt", scrypt: TEST_SCRYPT });
    const encoded = await light.hash("older parameters");
    const defaults = createPasswordHasher({ algorithm: "scrypt" });
    assert.deepEqual(await defaults.verify(encoded, "older parameters"), { valid: true, needsRehash: true });
    const otherBlockSize = createPasswordHasher({ algorithm: "scrypt", scrypt: { ...TEST_SCRYPT, blockSize: 4 } });
    assert.deepEqual(await otherBlockSize.verify(encoded, "older parameters"), { valid: true, needsRehash: true });
  });

  it("hashes with the OWASP default N = 2^17 when given no scrypt parameters", async () => {
    const hasher = createPasswordHasher({ algorithm: "scrypt" });
    const encoded = await hasher.hash("default cost");
    assert.match(encoded, /^scrypt\$131072\$[A-Za-z0-9]{22}\$8\$1\$/);
    assert.deepEqual(await hasher.verify(encoded, "default cost"), { valid: true, needsRehash: false });
  });
});
