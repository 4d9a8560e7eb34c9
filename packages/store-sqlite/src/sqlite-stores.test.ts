import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { liveSession, runStoreContract } from "@latchkey/store-contract";
import { migrateSqlite, SqliteMigrationsPendingError } from "./migrate.js";
import { setGroupPermissions } from "./group-permissions.js";
import { sqliteStores } from "./sqlite-stores.js";
import { testDatabaseFile } from "./test-database.test.helper.js";

runStoreContract("sqlite", async () => {
  const file = testDatabaseFile();
  const database = file.open();
  migrateSqlite(database);
  return {
    stores: sqliteStores({ database }),
    cleanup: async () => file.cleanup(),
    // A second connection to the same file, as a second server process would open.
    reopen: async () => sqliteStores({ database: file.open() }),
    setGroupPermissions: async (groupName, permissions) => setGroupPermissions(database, groupName, permissions),
  };
});

describe("sqliteStores()", () => {
  it("refuses an unmigrated database with an error that says to run latchkey migrate", () => {
    const file = testDatabaseFile();
    try {
      const database = file.open();
      assert.throws(
        () => sqliteStores({ database }),
        (error: unknown) =>
          error instanceof SqliteMigrationsPendingError &&
          error.pending.length > 0 &&
          error.message.includes("latchkey migrate"),
      );
    } finally {
      file.cleanup();
    }
  });

  it("keeps sessions, users and throttle counts when the file is closed and opened again", async () => {
    const file = testDatabaseFile();
    try {
      const first = file.open();
      migrateSqlite(first);
      const before = sqliteStores({ database: first });
      const now = Date.now();
      const session = liveSession("persisted");
      await before.sessions.createSession(session);
      const user = await before.users.createUser({
        username: "Alice",
        usernameKey: "alice",
        email: "alice@example.com",
        firstName: "",
        lastName: "",
        isActive: true,
        isStaff: false,
        isSuperuser: false,
        groups: ["staff"],
        permissions: ["reports.view"],
        passwordHash: null,
        dateJoined: now,
      });
      assert.deepEqual(await before.throttle.consume("alice", 2, 600), { allowed: true, remaining: 1 });
      first.close();

      const after = sqliteStores({ database: file.open() });
      assert.deepEqual(await after.sessions.getSession("persisted"), session);
      assert.deepEqual(await after.users.getUserByUsernameKey("alice"), user);
      assert.deepEqual(
        await after.throttle.consume("alice", 2, 600),
        { allowed: true, remaining: 0 },
        "the count survived the reopening",
      );
    } finally {
      file.cleanup();
    }
  });
});
