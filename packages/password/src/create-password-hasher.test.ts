import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hash as nodeArgon2Hash } from "argon2";
import { createPasswordHasher, DEFAULT_ARGON2_PARAMS, DEFAULT_SCRYPT_PARAMS } from "./index.js";

/** Cheap argon2id costs so tests that are not about the defaults stay fast. */
const LIGHT = { memoryKiB: 1024, iterations: 1, parallelism: 1 } as const;

describe("createPasswordHasher() with argon2id", () => {
  it("hashes with argon2id and the OWASP defaults when given no options", async () => {
    const hasher = createPasswordHasher();
    assert.equal(hasher.algorithm, "argon2id");
    const encoded = await hasher.hash("correct horse battery staple");
    assert.match(encoded, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.deepEqual(await hasher.verify(encoded, "correct horse battery staple"), { valid: true, needsRehash: false });
  });

  it("gives a different hash each time for the same password (fresh salt)", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    assert.notEqual(await hasher.hash("same password"), await hasher.hash("same password"));
  });

  it("rejects a wrong password without asking for a re-hash", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    const encoded = await hasher.hash("right password");
    assert.deepEqual(await hasher.verify(encoded, "wrong password"), { valid: false, needsRehash: false });
    assert.deepEqual(await hasher.verify(encoded, ""), { valid: false, needsRehash: false });
  });

  it("does not trim spaces: a hash of 'pw ' does not accept 'pw'", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    const encoded = await hasher.hash("pw ");
    assert.equal((await hasher.verify(encoded, "pw")).valid, false);
    assert.equal((await hasher.verify(encoded, " pw ")).valid, false);
    assert.equal((await hasher.verify(encoded, "pw ")).valid, true);
  });

  it("does not fold case", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    const encoded = await hasher.hash("CaseSensitive");
    assert.equal((await hasher.verify(encoded, "casesensitive")).valid, false);
    assert.equal((await hasher.verify(encoded, "CASESENSITIVE")).valid, false);
    assert.equal((await hasher.verify(encoded, "CaseSensitive")).valid, true);
  });

  it("round-trips a unicode password and does not normalise it (NFC é is not NFD e + ◌́)", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    const password = "pässwörd 🔑 日本語 caf\u00e9";
    const encoded = await hasher.hash(password);
    assert.equal((await hasher.verify(encoded, password)).valid, true);
    assert.equal((await hasher.verify(encoded, "pässwörd 🔑 日本語 cafe\u0301")).valid, false);
  });

  it("asks for a re-hash of an argon2id hash made with weaker parameters", async () => {
    const weak = createPasswordHasher({ argon2: LIGHT });
    const encoded = await weak.hash("upgrade me");
    assert.deepEqual(await weak.verify(encoded, "upgrade me"), { valid: true, needsRehash: false });
    const current = createPasswordHasher({ argon2: { ...LIGHT, iterations: 2 } });
    assert.deepEqual(await current.verify(encoded, "upgrade me"), { valid: true, needsRehash: true });
  });

  it("reads argon2 hashes written by node-argon2, whose parameters come in m,p,t order", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    const encoded = await nodeArgon2Hash("from another app", { memoryCost: 1024, timeCost: 1, parallelism: 1 });
    assert.match(encoded, /\$m=1024,p=1,t=1\$/);
    assert.deepEqual(await hasher.verify(encoded, "from another app"), { valid: true, needsRehash: false });
    assert.equal((await hasher.verify(encoded, "From another app")).valid, false);
  });

  it("writes argon2 parameters in the reference m,t,p order that libargon2 (and so Django) decodes", async () => {
    const hasher = createPasswordHasher({ argon2: { memoryKiB: 2048, iterations: 3, parallelism: 2 } });
    assert.match(await hasher.hash("x"), /^\$argon2id\$v=19\$m=2048,t=3,p=2\$/);
  });

  it("keeps the event loop turning while a default-cost hash and verification run", async () => {
    const hasher = createPasswordHasher();
    for (const work of [() => hasher.hash("busy"), () => hasher.verifyDummy("busy")]) {
      let finished = false;
      let ticks = 0;
      const tick = (): void => {
        if (finished) return;
        ticks += 1;
        setImmediate(tick);
      };
      setImmediate(tick);
      await work();
      finished = true;
      // A hash computed on the main thread would finish before the first setImmediate ran.
      assert.ok(ticks > 0, `expected the event loop to turn during the work, got ${ticks} ticks`);
    }
  });

  it("verifyDummy() resolves to nothing, also when called many times at once", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT });
    const results = await Promise.all([1, 2, 3].map((n) => hasher.verifyDummy(`guess ${n}`)));
    assert.deepEqual(results, [undefined, undefined, undefined]);
  });

  it("verifies hashes of the other algorithm and asks for a re-hash", async () => {
    const scrypt = createPasswordHasher({ algorithm: "scrypt", scrypt: { cost: 2 ** 14 } });
    const argon = createPasswordHasher({ argon2: LIGHT });
    const encoded = await scrypt.hash("switching algorithms");
    assert.deepEqual(await argon.verify(encoded, "switching algorithms"), { valid: true, needsRehash: true });
    const back = await argon.hash("switching algorithms");
    assert.deepEqual(await scrypt.verify(back, "switching algorithms"), { valid: true, needsRehash: true });
  });

  it("refuses out-of-range options at creation and names every problem", () => {
    assert.throws(
      () => createPasswordHasher({ argon2: { memoryKiB: 4, iterations: 0 } }),
      (error: unknown) =>
        error instanceof RangeError &&
        /argon2\.memoryKiB/.test(error.message) &&
        /argon2\.iterations/.test(error.message),
    );
    assert.throws(() => createPasswordHasher({ argon2: { memoryKiB: 2 * 1_048_576 } }), RangeError);
    assert.throws(() => createPasswordHasher({ algorithm: "scrypt", scrypt: { cost: 1000 } }), /power of two/);
    assert.throws(() => createPasswordHasher({ algorithm: "scrypt", scrypt: { cost: 2 ** 24 } }), RangeError);
  });

  it("queues work past maxConcurrent without losing or deadlocking any call (dummy hash included)", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT, maxConcurrent: 1 });
    const encoded = await hasher.hash("right password");
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => hasher.verify(encoded, "right password")),
      ...Array.from({ length: 4 }, () => hasher.verify(encoded, "wrong password")),
      ...Array.from({ length: 4 }, () => hasher.verify("!unusable", "anything")),
      ...Array.from({ length: 4 }, () =>
        hasher.verifyDummy("anything").then(() => ({ valid: false, needsRehash: false })),
      ),
    ]);
    assert.deepEqual(
      results.map((r) => r.valid),
      [true, true, true, true, ...Array<boolean>(12).fill(false)],
    );
  });

  it("refuses a maxConcurrent below one", () => {
    assert.throws(() => createPasswordHasher({ maxConcurrent: 0 }), /maxConcurrent/);
    assert.throws(() => createPasswordHasher({ maxConcurrent: 1.5 }), /maxConcurrent/);
  });

  it("exports frozen OWASP defaults", () => {
    assert.deepEqual(DEFAULT_ARGON2_PARAMS, { memoryKiB: 19456, iterations: 2, parallelism: 1 });
    assert.deepEqual(DEFAULT_SCRYPT_PARAMS, { cost: 131072, blockSize: 8, parallelism: 1 });
    assert.ok(Object.isFrozen(DEFAULT_ARGON2_PARAMS));
    assert.ok(Object.isFrozen(DEFAULT_SCRYPT_PARAMS));
  });
});

describe("createPasswordHasher() with many stored hashes", () => {
  it("verifies each of more users' hashes than it keeps parsed, right and wrong passwords alike", async () => {
    const hasher = createPasswordHasher({ argon2: LIGHT, algorithm: "argon2id" });
    const encoded = await hasher.hash("first user's password");
    // Over a thousand distinct hashes (the kept parses) pass through the hasher in between.
    for (let i = 0; i < 1002; i++) assert.equal((await hasher.verify(`$argon2id$v=19$m=bad${i}`, "x")).valid, false);
    assert.deepEqual(await hasher.verify(encoded, "first user's password"), { valid: true, needsRehash: false });
    assert.deepEqual(await hasher.verify(encoded, "first user's password!"), { valid: false, needsRehash: false });
  });
});
