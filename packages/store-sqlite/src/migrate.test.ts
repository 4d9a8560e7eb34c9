import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { migrateSqlite, pendingSqliteMigrations } from "./migrate.js";
import { sqliteMigrations } from "./migrations.js";
import { testDatabaseFile } from "./test-database.test.helper.js";

describe("migrateSqlite()", () => {
  it("runs every migration on an empty database and records each with its time", () => {
    const file = testDatabaseFile();
    try {
      const database = file.open();
      assert.equal(pendingSqliteMigrations(database).length, sqliteMigrations.length);
      const result = migrateSqlite(database, { now: () => 1_234 });
      const latest = sqliteMigrations.at(-1)?.version;
      assert.deepEqual(
        result.applied,
        sqliteMigrations.map((m) => ({ version: m.version, name: m.name })),
      );
      assert.equal(result.version, latest);
      assert.deepEqual(pendingSqliteMigrations(database), []);
      const rows = database.prepare("SELECT version, applied_at AS appliedAt FROM latchkey_migrations").all();
      assert.deepEqual(
        rows,
        sqliteMigrations.map((m) => ({ version: m.version, appliedAt: 1_234 })),
      );
    } finally {
      file.cleanup();
    }
  });

  it("does nothing when run again, from the same or another connection", () => {
    const file = testDatabaseFile();
    try {
      const first = file.open();
      migrateSqlite(first);
      const again = migrateSqlite(first);
      const fromOther = migrateSqlite(file.open());
      assert.deepEqual(again.applied, []);
      assert.deepEqual(fromOther.applied, []);
      assert.equal(again.version, sqliteMigrations.at(-1)?.version);
      const count = first.prepare("SELECT count(*) FROM latchkey_migrations").pluck().get();
      assert.equal(count, sqliteMigrations.length);
    } finally {
      file.cleanup();
    }
  });

  it("creates the throttle table with a key, its count and its window end", () => {
    const file = testDatabaseFile();
    try {
      const database = file.open();
      migrateSqlite(database);
      const columns = database.prepare("SELECT name, type, pk FROM pragma_table_info('latchkey_throttle')").all();
      assert.deepEqual(columns, [
        { name: "key", type: "TEXT", pk: 1 },
        { name: "points", type: "INTEGER", pk: 0 },
        { name: "expire", type: "INTEGER", pk: 0 },
      ]);
    } finally {
      file.cleanup();
    }
  });
});

describe("openSqliteDatabase()", () => {
  it("creates missing parent directories and turns on WAL, foreign keys and a busy timeout", () => {
    const file = testDatabaseFile();
    try {
      const database = file.open();
      assert.equal(database.pragma("journal_mode", { simple: true }), "wal");
      assert.equal(database.pragma("foreign_keys", { simple: true }), 1);
      assert.equal(database.pragma("busy_timeout", { simple: true }), 5000);
      assert.equal(database.pragma("synchronous", { simple: true }), 1);
    } finally {
      file.cleanup();
    }
  });
});
