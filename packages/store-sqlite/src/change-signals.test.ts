import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { SessionRecord } from "@latchkey/core";
import {
  announceSqliteChange,
  listenForSqliteChanges,
  signalsDirectory,
  SqliteChangeNotAcknowledgedError,
  type SqliteChangeListener,
} from "./change-signals.js";
import { migrateSqlite } from "./migrate.js";
import { createListeningChangeWatch } from "./listening-change-watch.js";
import type { SignalledChangeWatch } from "./signalled-change-watch.js";
import { sqliteStores, type SqliteStores } from "./sqlite-stores.js";
import { testDatabaseFile, type TestDatabaseFile } from "./test-database.test.helper.js";

function session(id: string): SessionRecord {
  const now = Date.now();
  return {
    id,
    secretHash: "ab".repeat(32),
    userId: "1",
    kind: "cookie",
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 60_000,
    absoluteExpiresAt: now + 120_000,
    ip: null,
    userAgent: null,
    label: null,
  };
}

/** A server's stores on the file, listening through createListeningChangeWatch as the ready server does. */
async function listeningServer(
  file: TestDatabaseFile,
): Promise<{ stores: SqliteStores; watch: SignalledChangeWatch; listener: { close(): Promise<void> } }> {
  const database = file.open();
  const listening = await createListeningChangeWatch(database, file.path);
  return { stores: sqliteStores({ database, watch: listening.watch }), watch: listening.watch, listener: listening };
}

async function withFile(
  test: (file: TestDatabaseFile, close: (listener: { close(): Promise<void> }) => void) => Promise<void>,
): Promise<void> {
  const file = testDatabaseFile();
  const listeners: Array<{ close(): Promise<void> }> = [];
  try {
    migrateSqlite(file.open());
    await test(file, (listener) => listeners.push(listener));
  } finally {
    for (const listener of listeners) await listener.close();
    file.cleanup();
  }
}

describe("SQLite change signals (the single-server exact path)", () => {
  it("lets a server alone on its file serve cached sessions without checking the file, and refuse a session revoked by a command once the command's announcement returns", () =>
    withFile(async (file, track) => {
      const server = await listeningServer(file);
      track(server.listener);
      assert.equal(server.watch.probing, false, "alone on the file: no probe per lookup");
      const cli = sqliteStores({ database: file.open() });
      await server.stores.sessions.createSession(session("revoked-by-cli"));
      assert.ok(await server.stores.sessions.getSession("revoked-by-cli"));
      await cli.sessions.deleteSession("revoked-by-cli");
      // Not announced yet: the cache is trusted (this is what the probe used to cost per request).
      assert.ok(await server.stores.sessions.getSession("revoked-by-cli"));
      await announceSqliteChange(file.path);
      assert.equal(await server.stores.sessions.getSession("revoked-by-cli"), null, "refused on the very next lookup");
    }));

  it("lets a server alone on its file refuse, on the very next lookup, a session deleted and a user deactivated by the app's own SQL on the server's connection", () =>
    withFile(async (file, track) => {
      const database = file.open();
      const listening = await createListeningChangeWatch(database, file.path);
      track(listening);
      const server = sqliteStores({ database, watch: listening.watch });
      assert.equal(listening.watch.probing, false, "alone on the file: no probe per lookup");
      const user = await server.users.createUser({
        username: "hank",
        usernameKey: "hank",
        email: "",
        firstName: "",
        lastName: "",
        isActive: true,
        isStaff: false,
        isSuperuser: false,
        passwordHash: null,
        dateJoined: Date.now(),
        groups: ["editors"],
        permissions: [],
      });
      const userId = String(user.id);
      await server.sessions.createSession({ ...session("revoked-by-app-sql"), userId });
      assert.ok(await server.sessions.getSession("revoked-by-app-sql"));
      assert.ok(server.sessions.peekSession?.("revoked-by-app-sql"), "held in memory");
      assert.equal(server.users.peekUserById?.(userId), undefined, "not read yet");
      assert.equal((await server.users.getUserById(userId))?.isActive, true);
      assert.ok(server.users.peekUserById?.(userId), "held in memory");
      // The application's own SQL on the connection latchkey's stores use, announced to nobody.
      database.prepare("DELETE FROM latchkey_sessions WHERE id = ?").run("revoked-by-app-sql");
      assert.equal(server.sessions.peekSession?.("revoked-by-app-sql"), undefined);
      assert.equal(await server.sessions.getSession("revoked-by-app-sql"), null, "refused on the very next lookup");
      assert.ok(await server.users.getUserById(userId));
      database.prepare("UPDATE latchkey_users SET is_active = 0 WHERE id = ?").run(user.id);
      assert.equal(server.users.peekUserById?.(userId), undefined);
      assert.equal((await server.users.getUserById(userId))?.isActive, false, "deactivated on the very next lookup");
      // A permission granted to the user's group, by SQL: a change to a table the user record is joined from.
      database
        .prepare(
          "INSERT INTO latchkey_group_permissions (group_id, permission) SELECT id, 'notes.delete' FROM latchkey_groups WHERE name = 'editors'",
        )
        .run();
      assert.deepEqual((await server.users.getUserById(userId))?.permissions, ["notes.delete"]);
      assert.equal(listening.watch.probing, false, "all of it without a probe per lookup");
    }));

  it("keeps a lone server's cached sessions when its connection writes a table the caches do not hold (login throttle counters)", () =>
    withFile(async (file, track) => {
      const database = file.open();
      const listening = await createListeningChangeWatch(database, file.path);
      track(listening);
      const server = sqliteStores({ database, watch: listening.watch });
      await server.sessions.createSession(session("kept"));
      const read = await server.sessions.getSession("kept");
      database.prepare("INSERT INTO latchkey_throttle (key, points, expire) VALUES ('login:ip', 1, NULL)").run();
      assert.equal(server.sessions.peekSession?.("kept"), read, "still the record held in memory");
    }));

  it("makes two servers on one file check it on every lookup, so a logout on one is refused by the other at once", () =>
    withFile(async (file, track) => {
      const first = await listeningServer(file);
      track(first.listener);
      const second = await listeningServer(file);
      track(second.listener);
      assert.equal(first.watch.probing, true, "the first server heard the second's hello");
      assert.equal(second.watch.probing, true, "the second server found the first");
      await first.stores.sessions.createSession(session("logged-out-on-first"));
      assert.ok(await second.stores.sessions.getSession("logged-out-on-first"));
      await first.stores.sessions.deleteSession("logged-out-on-first");
      assert.equal(await second.stores.sessions.getSession("logged-out-on-first"), null);
    }));

  it("confirms a burst of simultaneous announcements, each only after the server dropped its cache", () =>
    withFile(async (file, track) => {
      const server = await listeningServer(file);
      track(server.listener);
      const cli = sqliteStores({ database: file.open() });
      const ids = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
      for (const id of ids) await server.stores.sessions.createSession(session(id));
      for (const id of ids) assert.ok(await server.stores.sessions.getSession(id));
      await Promise.all(
        ids.map(async (id) => {
          await cli.sessions.deleteSession(id);
          await announceSqliteChange(file.path);
          assert.equal(
            await server.stores.sessions.getSession(id),
            null,
            `${id} refused once its announcement returned`,
          );
        }),
      );
    }));

  it("removes the socket a crashed server left behind, and still completes the announcement", () =>
    withFile(async (file) => {
      const directory = signalsDirectory(file.path);
      mkdirSync(directory, { recursive: true });
      const stalePath = join(directory, "999999-deadbeef.sock");
      // A process that listened there and was killed: its socket file stays, nobody accepts on it.
      const child = spawn(
        process.execPath,
        ["-e", `require("node:net").createServer().listen(${JSON.stringify(stalePath)}, () => console.log("up"))`],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      await once(child.stdout, "data");
      child.kill("SIGKILL");
      await once(child, "exit");
      assert.ok(existsSync(stalePath), "the killed process left its socket behind");
      await announceSqliteChange(file.path);
      assert.equal(existsSync(stalePath), false, "the stale socket is gone");
    }));

  it("fails an announcement loudly, naming the socket, when a server does not answer", () =>
    withFile(async (file) => {
      const directory = signalsDirectory(file.path);
      mkdirSync(directory, { recursive: true });
      const stuck: Server = createServer((socket) => socket.resume()); // Reads, never answers (a stopped process).
      const stuckPath = join(directory, "1-stuck.sock");
      await new Promise<void>((resolve) => stuck.listen(stuckPath, resolve));
      try {
        await assert.rejects(
          announceSqliteChange(file.path, 200),
          (error: unknown) => error instanceof SqliteChangeNotAcknowledgedError && error.message.includes(stuckPath),
        );
      } finally {
        await new Promise<void>((resolve) => stuck.close(() => resolve()));
      }
    }));
});
