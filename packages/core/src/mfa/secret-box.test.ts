import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cryptoRandom } from "../ports/world.js";
import { createSecretBox } from "./secret-box.js";

const key = (fill: number) => new Uint8Array(32).fill(fill);
const SECRET = new Uint8Array(20).map((_, i) => i * 7);

describe("createSecretBox()", () => {
  it("seals a secret so that the sealed text does not contain it, and opens it again", () => {
    const box = createSecretBox([{ id: "k1", key: key(1) }], cryptoRandom);
    const sealed = box.seal(SECRET, "42");
    assert.match(sealed, /^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes(Buffer.from(SECRET).toString("base64url")));
    assert.deepEqual(box.open(sealed, "42"), SECRET);
    assert.notEqual(box.seal(SECRET, "42"), sealed, "a fresh nonce every time");
  });

  it("rotates keys: a new first key seals, the old one still opens what it sealed, and without it those secrets stay shut", () => {
    const old = createSecretBox([{ id: "k1", key: key(1) }], cryptoRandom);
    const sealedOld = old.seal(SECRET, "42");
    const rotated = createSecretBox(
      [
        { id: "k2", key: key(2) },
        { id: "k1", key: key(1) },
      ],
      cryptoRandom,
    );
    assert.deepEqual(rotated.open(sealedOld, "42"), SECRET);
    assert.match(rotated.seal(SECRET, "42"), /^v1\.k2\./);
    const retired = createSecretBox([{ id: "k2", key: key(2) }], cryptoRandom);
    assert.equal(retired.open(sealedOld, "42"), null);
  });

  it("refuses a sealed secret moved to another user's row, altered, or sealed under another key with the same id", () => {
    const box = createSecretBox([{ id: "k1", key: key(1) }], cryptoRandom);
    const sealed = box.seal(SECRET, "42");
    assert.equal(box.open(sealed, "43"), null, "the user id is the associated data");
    const parts = sealed.split(".");
    const body = Buffer.from(parts[3] ?? "", "base64url");
    body[0] = (body[0] ?? 0) ^ 1;
    assert.equal(box.open([parts[0], parts[1], parts[2], body.toString("base64url")].join("."), "42"), null);
    assert.equal(createSecretBox([{ id: "k1", key: key(9) }], cryptoRandom).open(sealed, "42"), null);
    assert.equal(box.open("not sealed", "42"), null);
  });

  it("cannot seal without a key: secrets are never stored in clear", () => {
    const box = createSecretBox([], cryptoRandom);
    assert.equal(box.canSeal, false);
    assert.throws(() => box.seal(SECRET, "42"), /No mfa.encryptionKeys/);
  });
});
