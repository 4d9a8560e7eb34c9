import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openSqliteDatabase, sqliteSessionStore } from "@latchkey/store-sqlite";
import { runLatchkey, tempDir } from "../server/latchkey-process.js";
import { HOUR, session } from "./clearsessions-fixtures.js";

describe("latchkey clearsessions", () => {
  it("deletes expired sessions and expired throttle counters, prints the counts, and keeps live ones", async () => {
    const dir = tempDir("latchkey-cli-");
    try {
      assert.equal((await runLatchkey(["migrate"], { cwd: dir.path })).code, 0);
      const now = Date.now();
      const database = openSqliteDatabase(join(dir.path, "data", "latchkey.sqlite3"));
      try {
        const store = sqliteSessionStore(database);
        await store.createSession(session("idle-expired", { expiresAt: now - HOUR }));
        await store.createSession(session("absolute-expired", { absoluteExpiresAt: now - HOUR }));
        await store.createSession(session("live", {}));
        // Counters as the rate limiter writes them: `expire` in ms since the epoch.
        const insert = database.prepare("INSERT INTO latchkey_throttle (key, points, expire) VALUES (?, ?, ?)");
        insert.run("login_account:old", 3, now - HOUR);
        insert.run("login_account:current", 1, now + HOUR);
      } finally {
        database.close();
      }

      const result = await runLatchkey(["clearsessions"], { cwd: dir.path });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "Deleted 2 expired sessions and 1 expired throttle counter.\n");

      const again = await runLatchkey(["clearsessions"], { cwd: dir.path });
      assert.equal(again.stdout, "Deleted 0 expired sessions and 0 expired throttle counters.\n");

      const check = openSqliteDatabase(join(dir.path, "data", "latchkey.sqlite3"));
      try {
        assert.notEqual(await sqliteSessionStore(check).getSession("live"), null);
        const counters = check.prepare("SELECT key FROM latchkey_throttle").pluck().all();
        assert.deepEqual(counters, ["login_account:current"]);
      } finally {
        check.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});
