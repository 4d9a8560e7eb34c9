import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import type { SessionRecord } from "../ports/session-store.js";
import { digestMatchesHex, secretDigest, storedDigestMatches } from "./secret-digest.js";

function sessionWithHash(secretHash: string): SessionRecord {
  return {
    id: "AAAAAAAAAAAAAAAAAAAAAA",
    secretHash,
    userId: "1",
    kind: "cookie",
    createdAt: 0,
    lastSeenAt: 0,
    expiresAt: 1,
    absoluteExpiresAt: 1,
    ip: null,
    userAgent: null,
    label: null,
  };
}

const secret = randomBytes(32).toString("base64url");
const hex = createHash("sha256").update(secret).digest("hex");

/** The secret with the character at `position` replaced by another base64url character. */
function changedAt(position: number): string {
  const replacement = secret[position] === "A" ? "B" : "A";
  return secret.slice(0, position) + replacement + secret.slice(position + 1);
}

describe("session secret digests", () => {
  it("are the 32 bytes of SHA-256 of the secret", () => {
    assert.deepEqual(Buffer.from(secretDigest(secret), "latin1"), createHash("sha256").update(secret).digest());
  });

  it("match the stored hex hash of the same secret, compared as hex or as decoded bytes", () => {
    const digest = secretDigest(secret);
    assert.equal(digestMatchesHex(digest, hex), true);
    const session = sessionWithHash(hex);
    assert.equal(storedDigestMatches(session, digest), true);
    assert.equal(storedDigestMatches(session, digest), true, "and again, from the bytes decoded at the first use");
  });

  it("refuse a secret that differs from the real one in any one position, either way", () => {
    const session = sessionWithHash(hex);
    assert.equal(storedDigestMatches(session, secretDigest(secret)), true);
    for (let position = 0; position < secret.length; position++) {
      const digest = secretDigest(changedAt(position));
      assert.equal(digestMatchesHex(digest, hex), false, `changed at ${position}, compared with the hex`);
      assert.equal(storedDigestMatches(session, digest), false, `changed at ${position}, compared as bytes`);
    }
  });

  it("refuse a digest that differs from the stored hash in any one byte (every byte is compared)", () => {
    const real = Buffer.from(secretDigest(secret), "latin1");
    const session = sessionWithHash(hex);
    for (let position = 0; position < real.length; position++) {
      const wrong = Buffer.from(real);
      wrong[position] = (wrong[position] ?? 0) ^ 1;
      const digest = wrong.toString("latin1");
      assert.equal(digestMatchesHex(digest, hex), false, `byte ${position}, compared with the hex`);
      assert.equal(storedDigestMatches(session, digest), false, `byte ${position}, compared as bytes`);
    }
  });

  it("match no secret when the stored hash is not 64 lower-case hex digits", () => {
    const digest = secretDigest(secret);
    for (const stored of [
      hex.toUpperCase(),
      hex.slice(0, 62),
      `${hex}00`,
      `${hex.slice(0, 10)}zz${hex.slice(12)}`,
      "",
    ]) {
      assert.equal(digestMatchesHex(digest, stored), false, `hex compare of ${stored}`);
      assert.equal(storedDigestMatches(sessionWithHash(stored), digest), false, `byte compare of ${stored}`);
    }
  });
});
