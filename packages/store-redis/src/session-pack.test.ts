import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionRecord } from "@latchkey/core";
import { packSession, unpackSession } from "./session-pack.js";
import { WRITTEN_BY_THE_PREVIOUS_VERSION } from "./session-pack-v1.test.helper.js";

const NOW = 1_700_000_000_000;
const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: "Zx3kQ9mV2bR7tY1wE5uI0o",
    secretHash: "0123456789abcdef".repeat(4),
    userId: "42",
    kind: "cookie",
    createdAt: NOW,
    lastSeenAt: NOW + 5,
    expiresAt: NOW + 14 * 86_400_000,
    absoluteExpiresAt: NOW + 30 * 86_400_000,
    ip: "203.0.113.7",
    userAgent: CHROME,
    label: null,
    ...overrides,
  };
}

/** A 105-character User-Agent of a browser newer than the dictionary's tokens. */
const CHROME_131 =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

describe("packed session values", () => {
  it("packs a browser session with every field into under 90 bytes and reads it back intact", () => {
    const value = packSession(session());
    assert.ok(value.length < 90, `packed into ${value.length} bytes`);
    assert.deepEqual(unpackSession("Zx3kQ9mV2bR7tY1wE5uI0o", value), session());
  });

  it("packs a session with a 105-character User-Agent and an IPv4 into at most 92 bytes, so Redis keeps it in a 96-byte allocation rather than 112", () => {
    // 92 bytes + the 3-byte string header + NUL = 96, a jemalloc size class.
    const record = session({ userId: "900000", ip: "127.0.0.1", userAgent: CHROME_131 });
    const value = packSession(record);
    assert.ok(value.length <= 92, `packed into ${value.length} bytes`);
    assert.deepEqual(unpackSession(record.id, value), record);
  });

  it("reads values the previous version wrote, with times as doubles, exactly", () => {
    for (const { base64, record } of WRITTEN_BY_THE_PREVIOUS_VERSION) {
      assert.deepEqual(unpackSession(record.id, Buffer.from(base64, "base64")), record);
    }
  });

  it("writes whole-millisecond times as 48-bit integers and any other time as a double, each read back exactly", () => {
    assert.equal(packSession(session({ expiresAt: 2 ** 48 - 1 }))[0], 2);
    for (const time of [2 ** 48, -1, 0.5, -0]) {
      const record = session({ lastSeenAt: time });
      const value = packSession(record);
      assert.equal(value[0], 1, `version for ${time}`);
      assert.deepEqual(unpackSession(record.id, value), record);
    }
  });

  it("keeps unusual values exactly: bearer kind, non-hex hash, IPv6, a non-canonical IPv4, empty and unicode text, fractional and negative times", () => {
    const cases: Partial<SessionRecord>[] = [
      { kind: "bearer", label: "CI token ✓", userAgent: null, ip: null },
      { secretHash: "not-a-sha256", userId: "ü-ser", ip: "2001:db8::1", userAgent: "" },
      { ip: "010.0.0.1", userAgent: "curl/8.5.0", label: "" },
      { createdAt: -1.5, lastSeenAt: 0.25, expiresAt: Number.MAX_SAFE_INTEGER, absoluteExpiresAt: 2 ** 53 + 2 },
      { userId: "x".repeat(300), userAgent: "y".repeat(2_000), secretHash: "ABCDEF".repeat(11) },
    ];
    for (const overrides of cases) {
      const record = session(overrides);
      assert.deepEqual(unpackSession(record.id, packSession(record)), record, JSON.stringify(overrides));
    }
  });

  it("refuses a value that is not a packed session instead of inventing a record", () => {
    assert.throws(() => unpackSession("a", Buffer.from("hello")), /malformed/);
    const value = packSession(session());
    assert.throws(() => unpackSession("a", value.subarray(0, value.length - 3)), /malformed/);
    assert.throws(() => unpackSession("a", Buffer.concat([value, Buffer.from([0])])), /malformed/);
  });
});
