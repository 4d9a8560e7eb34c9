import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StoreUnavailableError, type StoreName } from "@latchkey/core";
import { migrateSqlite } from "./migrate.js";
import { sqliteStores } from "./sqlite-stores.js";
import { testDatabaseFile } from "./test-database.test.helper.js";

function unavailable(store: StoreName): (error: unknown) => boolean {
  return (error) => error instanceof StoreUnavailableError && error.store === store;
}

describe("SQLite stores over an unusable database", () => {
  it("reject with StoreUnavailableError naming the store once the connection is closed", async () => {
    const file = testDatabaseFile();
    try {
      const database = file.open();
      migrateSqlite(database);
      const stores = sqliteStores({ database });
      database.close();
      await assert.rejects(stores.sessions.getSession("any"), unavailable("session"));
      await assert.rejects(stores.sessions.deleteUserSessions("1"), unavailable("session"));
      await assert.rejects(stores.users.getUserById("1"), unavailable("user"));
      await assert.rejects(stores.users.listUsers({ limit: 1, offset: 0 }), unavailable("user"));
      await assert.rejects(stores.throttle.consume("alice", 5, 60), unavailable("throttle"));
      await assert.rejects(stores.throttle.refund("alice"), unavailable("throttle"));
      await assert.rejects(stores.throttle.reset("alice"), unavailable("throttle"));
    } finally {
      file.cleanup();
    }
  });

  it("reject writes with StoreUnavailableError while another connection holds the write lock", async () => {
    const file = testDatabaseFile();
    try {
      const holder = file.open();
      migrateSqlite(holder);
      const waiter = file.open();
      // No waiting: the lock is held for the whole test, so any timeout would end the same way.
      waiter.pragma("busy_timeout = 0");
      const stores = sqliteStores({ database: waiter });
      holder.exec("BEGIN IMMEDIATE");
      try {
        await assert.rejects(stores.sessions.deleteSession("any"), unavailable("session"));
        await assert.rejects(stores.users.updateUser("1", { email: "x@example.com" }), unavailable("user"));
        await assert.rejects(stores.throttle.consume("alice", 5, 60), unavailable("throttle"));
        // Readers are not blocked by a writer in WAL mode.
        assert.equal(await stores.sessions.getSession("any"), null);
      } finally {
        holder.exec("ROLLBACK");
      }
      // Service resumes once the lock is gone.
      await stores.sessions.deleteSession("any");
    } finally {
      file.cleanup();
    }
  });

  it("lets a failing statement that is a bug, not an outage, through unchanged", async () => {
    const file = testDatabaseFile();
    try {
      const database = file.open();
      migrateSqlite(database);
      const stores = sqliteStores({ database });
      const session = {
        id: "dup",
        secretHash: "ab".repeat(32),
        userId: "1",
        kind: "cookie" as const,
        createdAt: 1,
        lastSeenAt: 1,
        expiresAt: 2,
        absoluteExpiresAt: 3,
        ip: null,
        userAgent: null,
        label: null,
      };
      await stores.sessions.createSession(session);
      await assert.rejects(
        stores.sessions.createSession(session),
        (error: unknown) => !(error instanceof StoreUnavailableError) && error instanceof Error,
      );
    } finally {
      file.cleanup();
    }
  });
});
