import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionRecord } from "@latchkey/core";
import { migrateSqlite } from "./migrate.js";
import { createReadCache } from "./read-cache.js";
import { sqliteStores } from "./sqlite-stores.js";
import { testDatabaseFile, type TestDatabaseFile } from "./test-database.test.helper.js";

function session(id: string, userId: string): SessionRecord {
  const now = Date.now();
  return {
    id,
    secretHash: "ab".repeat(32),
    userId,
    kind: "cookie",
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 60_000,
    absoluteExpiresAt: now + 120_000,
    ip: "127.0.0.1",
    userAgent: "test",
    label: null,
  };
}

async function withFile(test: (file: TestDatabaseFile) => Promise<void>): Promise<void> {
  const file = testDatabaseFile();
  try {
    migrateSqlite(file.open());
    await test(file);
  } finally {
    file.cleanup();
  }
}

async function createUser(stores: ReturnType<typeof sqliteStores>, username: string): Promise<string> {
  const user = await stores.users.createUser({
    username,
    usernameKey: username,
    email: "",
    firstName: "",
    lastName: "",
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    passwordHash: null,
    dateJoined: Date.now(),
    groups: [],
    permissions: [],
  });
  return String(user.id);
}

describe("the SQLite stores' read caches", () => {
  it("see a session revoked by another process on the very next read", () =>
    withFile(async (file) => {
      const server = sqliteStores({ database: file.open() });
      const cli = sqliteStores({ database: file.open() });
      await server.sessions.createSession(session("revoked-elsewhere", "1"));
      assert.ok(await server.sessions.getSession("revoked-elsewhere"));
      assert.ok(await server.sessions.getSession("revoked-elsewhere"), "served from the cache");
      await cli.sessions.deleteSession("revoked-elsewhere");
      assert.equal(await server.sessions.getSession("revoked-elsewhere"), null);
    }));

  it("see a user deactivated by another process on the very next read", () =>
    withFile(async (file) => {
      const server = sqliteStores({ database: file.open() });
      const cli = sqliteStores({ database: file.open() });
      const id = await createUser(server, "alice");
      assert.equal((await server.users.getUserById(id))?.isActive, true);
      assert.equal((await server.users.getUserById(id))?.isActive, true);
      await cli.users.updateUser(id, { isActive: false });
      assert.equal((await server.users.getUserById(id))?.isActive, false);
    }));

  it("see a write made on the same connection outside the stores (an app's own SQL)", () =>
    withFile(async (file) => {
      const database = file.open();
      const stores = sqliteStores({ database });
      const id = await createUser(stores, "bob");
      await stores.sessions.createSession(session("raw-sql", id));
      assert.ok(await stores.sessions.getSession("raw-sql"));
      assert.equal((await stores.users.getUserById(id))?.isStaff, false);
      database.prepare("DELETE FROM latchkey_sessions WHERE id = ?").run("raw-sql");
      database.prepare("UPDATE latchkey_users SET is_staff = 1 WHERE id = ?").run(Number(id));
      assert.equal(await stores.sessions.getSession("raw-sql"), null);
      assert.equal((await stores.users.getUserById(id))?.isStaff, true);
    }));

  it("peek a session and a user from memory once read, and stop the moment another process or the app's own SQL changes them", () =>
    withFile(async (file) => {
      const database = file.open();
      const server = sqliteStores({ database });
      const cli = sqliteStores({ database: file.open() });
      const id = await createUser(server, "dave");
      await server.sessions.createSession(session("peeked", id));
      await server.sessions.createSession(session("peeked-too", id));
      assert.equal(server.sessions.peekSession?.("peeked"), undefined, "nothing read yet: nothing to peek");
      const read = await server.sessions.getSession("peeked");
      assert.equal(server.sessions.peekSession?.("peeked"), read, "the record read, from memory");
      const user = await server.users.getUserById(id);
      assert.equal(server.users.peekUserById?.(id), user);
      // Another process (a latchkey command) revokes the session and deactivates the user.
      await cli.sessions.deleteSession("peeked");
      assert.equal(server.sessions.peekSession?.("peeked"), undefined);
      assert.equal(server.users.peekUserById?.(id), undefined);
      assert.equal(await server.sessions.getSession("peeked"), null);
      // The app's own SQL on the server's connection.
      assert.ok(await server.sessions.getSession("peeked-too"));
      assert.ok(server.sessions.peekSession?.("peeked-too"));
      database.prepare("DELETE FROM latchkey_sessions WHERE id = ?").run("peeked-too");
      assert.equal(server.sessions.peekSession?.("peeked-too"), undefined);
    }));

  it("peek nothing, without throwing, once the connection is closed", () =>
    withFile(async (file) => {
      const database = file.open();
      const stores = sqliteStores({ database });
      await stores.sessions.createSession(session("closed", "1"));
      assert.ok(await stores.sessions.getSession("closed"));
      database.close();
      assert.equal(stores.sessions.peekSession?.("closed"), undefined);
      await assert.rejects(stores.sessions.getSession("closed"), { name: "StoreUnavailableError" });
    }));

  it("see their own writes: a touched, deleted or group-granted record is read fresh", () =>
    withFile(async (file) => {
      const stores = sqliteStores({ database: file.open() });
      const id = await createUser(stores, "carol");
      await stores.users.updateUser(id, { groups: ["editors"] });
      await stores.sessions.createSession(session("own-writes", id));
      await stores.sessions.getSession("own-writes");
      await stores.sessions.updateSessionExpiration("own-writes", 1_000, 2_000);
      const touched = await stores.sessions.getSession("own-writes");
      assert.equal(touched?.lastSeenAt, 1_000);
      assert.equal(touched?.expiresAt, 2_000);
      assert.deepEqual((await stores.users.getUserById(id))?.permissions, []);
      await stores.users.setGroupPermissions("editors", ["notes.edit"]);
      assert.deepEqual((await stores.users.getUserById(id))?.permissions, ["notes.edit"]);
      await stores.sessions.deleteSession("own-writes");
      assert.equal(await stores.sessions.getSession("own-writes"), null);
    }));

  it("do not keep a session read inside a transaction that is then rolled back", () =>
    withFile(async (file) => {
      const database = file.open();
      const stores = sqliteStores({ database });
      database.exec("BEGIN");
      await stores.sessions.createSession(session("rolled-back", "1"));
      assert.ok(await stores.sessions.getSession("rolled-back"));
      database.exec("ROLLBACK");
      assert.equal(await stores.sessions.getSession("rolled-back"), null);
    }));

  it("hand out one frozen record per row: the same object on every hit, and changing it throws instead of changing the next read", () =>
    withFile(async (file) => {
      const stores = sqliteStores({ database: file.open() });
      const id = await createUser(stores, "dave");
      await stores.sessions.createSession(session("frozen", id));
      const first = await stores.sessions.getSession("frozen");
      assert.ok(first);
      assert.throws(() => {
        first.userId = "999";
      }, TypeError);
      assert.equal(await stores.sessions.getSession("frozen"), first, "a hit hands out the cached record itself");
      const user = await stores.users.getUserById(id);
      assert.ok(user);
      assert.throws(() => user.permissions.push("everything"), TypeError);
      assert.throws(() => {
        user.isSuperuser = true;
      }, TypeError);
      assert.equal(await stores.users.getUserById(id), user);
      assert.deepEqual(user.permissions, []);
      assert.equal(user.isSuperuser, false);
    }));

  it("can be turned off, reading every record from the file", () =>
    withFile(async (file) => {
      const database = file.open();
      const stores = sqliteStores({ database, cacheEntries: 0 });
      await stores.sessions.createSession(session("uncached", "1"));
      assert.ok(await stores.sessions.getSession("uncached"));
      database.prepare("DELETE FROM latchkey_sessions WHERE id = ?").run("uncached");
      assert.equal(await stores.sessions.getSession("uncached"), null);
    }));
});

describe("the read cache's bounds", () => {
  it("hold at most maxEntries records, dropping the least recently used first (a hit keeps a record)", () => {
    const cache = createReadCache<string>(2);
    cache.set("a", "A", 0);
    cache.set("b", "B", 0);
    assert.equal(cache.get("a", 0), "A"); // a is now the most recent: b goes first
    cache.set("c", "C", 0);
    assert.equal(cache.get("b", 0), undefined);
    assert.equal(cache.get("a", 0), "A");
    assert.equal(cache.get("c", 0), "C");
  });

  it("drop every record when the generation moves, so nothing read before another process's write is served", () => {
    const cache = createReadCache<string>(10);
    cache.set("a", "A", 1);
    assert.equal(cache.get("a", 1), "A");
    assert.equal(cache.get("a", 2), undefined);
    // Written back at the newer generation, it is served again.
    cache.set("a", "A2", 2);
    assert.equal(cache.get("a", 2), "A2");
  });

  it("keep nothing when the size is 0", () => {
    const cache = createReadCache<string>(0);
    cache.set("a", "A", 0);
    assert.equal(cache.get("a", 0), undefined);
  });
});
