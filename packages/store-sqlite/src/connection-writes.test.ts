import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ownChangesOf, watchConnectionWrites } from "./connection-writes.js";
import { migrateSqlite } from "./migrate.js";
import { testDatabaseFile, type TestDatabaseFile } from "./test-database.test.helper.js";

function withFile(test: (file: TestDatabaseFile) => void): void {
  const file = testDatabaseFile();
  try {
    migrateSqlite(file.open());
    test(file);
  } finally {
    file.cleanup();
  }
}

const NEW_USER = `INSERT INTO latchkey_users (username, username_key, email, first_name, last_name, is_active,
  is_staff, is_superuser, password_hash, date_joined) VALUES (?, ?, '', '', '', 1, 0, 0, NULL, 0)`;

describe("a connection's writes to the cached tables", () => {
  it("are counted for every row the connection inserts, updates or deletes there, whoever's SQL it is", () =>
    withFile((file) => {
      const database = file.open();
      const writes = watchConnectionWrites(database);
      assert.ok(writes !== null);
      const before = writes.count;
      const { lastInsertRowid } = database.prepare(NEW_USER).run("erin", "erin");
      assert.equal(writes.count, before + 1);
      database.prepare("UPDATE latchkey_users SET is_active = 0 WHERE id = ?").run(lastInsertRowid);
      assert.equal(writes.count, before + 2);
      database.prepare("INSERT INTO latchkey_groups (name) VALUES ('staff')").run();
      database.prepare("DELETE FROM latchkey_users WHERE id = ?").run(lastInsertRowid);
      assert.equal(writes.count, before + 4);
      assert.equal(watchConnectionWrites(database), writes, "one counter per connection");
    }));

  it("are not counted for tables the caches do not hold, nor for other connections' writes", () =>
    withFile((file) => {
      const database = file.open();
      const writes = watchConnectionWrites(database);
      assert.ok(writes !== null);
      const before = writes.count;
      database.prepare("INSERT INTO latchkey_throttle (key, points, expire) VALUES ('ip:1', 1, NULL)").run();
      file.open().prepare(NEW_USER).run("frank", "frank");
      assert.equal(writes.count, before);
    }));

  it("fall back to total_changes() when the triggers cannot be set up (inside a transaction), still seeing the app's own SQL", () =>
    withFile((file) => {
      const database = file.open();
      database.exec("BEGIN");
      assert.equal(watchConnectionWrites(database), null);
      const changes = ownChangesOf(database);
      database.exec("COMMIT");
      const before = changes();
      database.prepare(NEW_USER).run("gina", "gina");
      assert.notEqual(changes(), before);
    }));
});
