import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createHotReadDecoder, type HotRow } from "./hot-read.js";

/** A row of HOT_READ_COLUMNS as PostgreSQL prints it (every value text, or null). */
function row(overrides: Record<number, string | null> = {}): HotRow {
  const values: (string | null)[] = [
    "Zm9vYmFyYmF6cXV4MTIzNA",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "7",
    "cookie",
    "1700000000000",
    "1700000000001",
    "1701209600001",
    "1702592000000",
    "203.0.113.7",
    "Firefox ✓",
    null,
    "7",
    "ada",
    "ada@example.com",
    "Ada",
    "Lovelace",
    "t",
    "f",
    "f",
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
    "1690000000000",
    null,
    '{editors,"night shift"}',
    '{books.add_book,books.view_book,"say \\"hi\\""}',
  ];
  for (const [index, value] of Object.entries(overrides)) values[Number(index)] = value;
  return values;
}

describe("createHotReadDecoder", () => {
  it("decodes a session and its user from the text PostgreSQL prints, arrays and quotes included", () => {
    const decode = createHotReadDecoder();
    assert.deepEqual(decode(row()), {
      session: {
        id: "Zm9vYmFyYmF6cXV4MTIzNA",
        secretHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        userId: "7",
        kind: "cookie",
        createdAt: 1_700_000_000_000,
        lastSeenAt: 1_700_000_000_001,
        expiresAt: 1_701_209_600_001,
        absoluteExpiresAt: 1_702_592_000_000,
        ip: "203.0.113.7",
        userAgent: "Firefox ✓",
        label: null,
      },
      user: {
        id: 7,
        username: "ada",
        email: "ada@example.com",
        firstName: "Ada",
        lastName: "Lovelace",
        isActive: true,
        isStaff: false,
        isSuperuser: false,
        passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        dateJoined: 1_690_000_000_000,
        lastLogin: null,
        groups: ["editors", "night shift"],
        permissions: ["books.add_book", "books.view_book", 'say "hi"'],
      },
    });
  });

  it("answers no user when the user's columns are null (the user is gone)", () => {
    const decode = createHotReadDecoder();
    const nulls: Record<number, null> = {};
    for (let i = 11; i < 24; i++) nulls[i] = null;
    assert.equal(decode(row(nulls)).user, null);
  });

  it("hands back the earlier user object while every user column reads the same, whatever the session", () => {
    const decode = createHotReadDecoder();
    const first = decode(row()).user;
    assert.equal(decode(row({ 0: "another-session", 5: "1700000000999" })).user, first);
  });

  it("hands back a fresh user as soon as any user column differs, so a deactivation or a lost permission is never hidden", () => {
    const changes: Record<number, string | null>[] = [
      { 12: "ada2" },
      { 13: "other@example.com" },
      { 14: "A" },
      { 15: "L" },
      { 16: "f" },
      { 17: "t" },
      { 18: "t" },
      { 19: null },
      { 20: "1" },
      { 21: "1700000000002" },
      { 22: "{}" },
      { 22: '{editors,"night shift",admins}' },
      { 23: "{books.view_book}" },
      { 23: '{books.add_book,books.view_bool,"say \\"hi\\""}' },
    ];
    for (const change of changes) {
      const decode = createHotReadDecoder();
      const first = decode(row()).user;
      const changed = decode(row(change)).user;
      assert.notEqual(changed, first, JSON.stringify(change));
      assert.notDeepEqual(changed, first, JSON.stringify(change));
      assert.equal(decode(row(change)).user, changed, "the changed user is the one kept now");
      assert.notEqual(decode(row()).user, first, "and the old one is not handed back after it");
    }
  });

  it("keeps users apart by id", () => {
    const decode = createHotReadDecoder();
    const ada = decode(row()).user;
    const bob = decode(row({ 2: "8", 11: "8", 12: "bob" })).user;
    assert.notEqual(bob, ada);
    assert.equal(bob?.id, 8);
    assert.equal(decode(row()).user, ada);
    assert.equal(decode(row({ 2: "8", 11: "8", 12: "bob" })).user, bob);
  });

  it("refuses a malformed row with an error naming the column instead of answering a wrong value", () => {
    const cases: [Record<number, string | null>, RegExp][] = [
      [{ 3: "magic" }, /unknown kind/],
      [{ 4: "" }, /"created_at"/],
      [{ 5: "1.5" }, /"last_seen_at"/],
      [{ 6: "9007199254740993" }, /"expires_at"/],
      [{ 1: null }, /"secret_hash"/],
      [{ 16: "true" }, /"is_active"/],
      [{ 20: "soon" }, /"date_joined"/],
      [{ 22: null }, /"group_names"/],
    ];
    for (const [change, message] of cases) {
      const decode = createHotReadDecoder();
      assert.throws(() => decode(row(change)), message, JSON.stringify(change));
    }
    assert.throws(
      () => createHotReadDecoder()(row().slice(0, 20)),
      /is the schema current/,
      "a row of an older schema",
    );
  });
});
