import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type Database from "better-sqlite3";
import { migrateSqlite } from "./migrate.js";
import { deleteExpiredThrottleCounters, sqliteThrottleStore } from "./sqlite-throttle-store.js";
import { testDatabaseFile } from "./test-database.test.helper.js";

/** Where the injected clock starts: a fixed moment, so window ends are exact. Milliseconds since the epoch. */
const T0 = 1_800_000_000_000;
const WINDOW_SECONDS = 60;
const LIMIT = 3;

/** A migrated SQLite file of its own and a clock the test moves. */
async function withMigratedFile(
  test: (database: Database.Database, clock: { now: number }) => Promise<void>,
): Promise<void> {
  const file = testDatabaseFile();
  try {
    const database = file.open();
    migrateSqlite(database);
    await test(database, { now: T0 });
  } finally {
    file.cleanup();
  }
}

function keys(database: Database.Database): unknown[] {
  return database.prepare("SELECT key FROM latchkey_throttle ORDER BY key").pluck().all();
}

describe("deleteExpiredThrottleCounters() (what latchkey clearsessions runs on SQLite)", () => {
  it("deletes the counters whose window ended, says how many, and keeps the live ones", () =>
    withMigratedFile(async (database, clock) => {
      const throttle = sqliteThrottleStore(database, { now: () => clock.now });
      await throttle.consume("login_account:old-1", LIMIT, WINDOW_SECONDS);
      await throttle.consume("login_account:old-2", LIMIT, WINDOW_SECONDS);
      clock.now = T0 + 30_000;
      await throttle.consume("login_account:current", LIMIT, WINDOW_SECONDS);

      // The first two windows ended at T0 + 60 s; the third ends at T0 + 90 s.
      assert.equal(deleteExpiredThrottleCounters(database, T0 + 60_001), 2);
      assert.deepEqual(keys(database), ["login_account:current"]);
      assert.equal(deleteExpiredThrottleCounters(database, T0 + 60_001), 0, "nothing left to purge");
    }));

  it("leaves a full live counter in place, so the attacker it stops is still refused after the purge", () =>
    withMigratedFile(async (database, clock) => {
      const throttle = sqliteThrottleStore(database, { now: () => clock.now });
      for (let i = 0; i < LIMIT; i += 1)
        assert.equal((await throttle.consume("login_ip:full", LIMIT, WINDOW_SECONDS)).allowed, true);
      assert.equal((await throttle.consume("login_ip:full", LIMIT, WINDOW_SECONDS)).allowed, false);

      clock.now = T0 + 59_000;
      assert.equal(deleteExpiredThrottleCounters(database, clock.now), 0);
      assert.deepEqual(await throttle.consume("login_ip:full", LIMIT, WINDOW_SECONDS), {
        allowed: false,
        retryAfterMs: 1_000,
      });
    }));

  it("keeps counters written without a window end by older versions (they never end)", () =>
    withMigratedFile(async (database) => {
      database.prepare("INSERT INTO latchkey_throttle (key, points, expire) VALUES ('legacy', 5, NULL)").run();
      assert.equal(deleteExpiredThrottleCounters(database, T0 + 3_600_000), 0);
      assert.deepEqual(keys(database), ["legacy"]);
    }));
});
