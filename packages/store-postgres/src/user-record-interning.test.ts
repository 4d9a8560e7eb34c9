import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UserRecord } from "@latchkey/core";
import { createUserRecordInterning } from "./user-record-interning.js";

function record(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: 7,
    username: "ada",
    email: "ada@example.com",
    firstName: "Ada",
    lastName: "Lovelace",
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    groups: ["editors"],
    permissions: ["books.add_book", "books.view_book"],
    dateJoined: 1_700_000_000_000,
    lastLogin: null,
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
    ...overrides,
  };
}

describe("createUserRecordInterning", () => {
  it("hands back the earlier object for a freshly read record equal to it in every field", () => {
    const intern = createUserRecordInterning();
    const first = intern(record());
    assert.equal(intern(record()), first);
  });

  it("hands back the fresh record as soon as any field differs, so a deactivation or a lost permission is never hidden", () => {
    const changes: Partial<UserRecord>[] = [
      { isActive: false },
      { isStaff: true },
      { isSuperuser: true },
      { username: "ada2" },
      { email: "other@example.com" },
      { firstName: "A" },
      { lastName: "L" },
      { groups: [] },
      { groups: ["editors", "admins"] },
      { permissions: ["books.view_book"] },
      { permissions: ["books.add_book", "books.view_bool"] },
      { dateJoined: 1 },
      { lastLogin: 1_700_000_000_001 },
      { passwordHash: null },
    ];
    for (const change of changes) {
      const intern = createUserRecordInterning();
      const first = intern(record());
      const changed = record(change);
      assert.equal(intern(changed), changed, JSON.stringify(change));
      assert.equal(intern(record(change)), changed, "the changed record is the one kept now");
      assert.notEqual(intern(record()), first, "and the old one is not handed back after it");
    }
  });

  it("keeps users apart by id", () => {
    const intern = createUserRecordInterning();
    const ada = intern(record());
    const bob = intern(record({ id: 8, username: "bob" }));
    assert.notEqual(bob, ada);
    assert.equal(intern(record()), ada);
    assert.equal(intern(record({ id: 8, username: "bob" })), bob);
  });
});
