import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requireProgram, startPostgres, type PostgresServer } from "@latchkey/testkit";
import type pg from "pg";
import { migratePostgres } from "./migrate.js";
import { deleteExpiredPostgresThrottleCounters, postgresThrottleStore } from "./postgres-throttle-store.js";
import { createSchema, openPool, PATIENT_TIMEOUTS } from "./postgres-subject.test.helper.js";

/** Where the injected clock starts: a fixed moment, so window ends are exact. Milliseconds since the epoch. */
const T0 = 1_800_000_000_000;
const WINDOW_SECONDS = 60;
const LIMIT = 3;

describe("deleteExpiredPostgresThrottleCounters() (what latchkey clearsessions runs on PostgreSQL)", {
  skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
}, () => {
  let server: PostgresServer | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.dispose();
  });

  /** A migrated schema of its own, a pool on it, and a clock the test moves. */
  async function withMigratedSchema(
    test: (pool: pg.Pool, clock: { now: number }, schema: string) => Promise<void>,
  ): Promise<void> {
    if (server === undefined) throw new Error("PostgreSQL did not start");
    const { schema, drop } = await createSchema(server);
    const pool = openPool(server, schema, PATIENT_TIMEOUTS);
    try {
      await migratePostgres(pool);
      await test(pool, { now: T0 }, schema);
    } finally {
      await pool.end();
      await drop();
    }
  }

  async function keys(pool: pg.Pool): Promise<string[]> {
    const rows = await pool.query<{ key: string }>("SELECT key FROM latchkey_throttle ORDER BY key");
    return rows.rows.map((row) => row.key);
  }

  it("deletes the counters whose window ended, says how many, and keeps the live ones", () =>
    withMigratedSchema(async (pool, clock) => {
      const throttle = postgresThrottleStore(pool, { now: () => clock.now });
      await throttle.consume("login_account:old-1", LIMIT, WINDOW_SECONDS);
      await throttle.consume("login_account:old-2", LIMIT, WINDOW_SECONDS);
      clock.now = T0 + 30_000;
      await throttle.consume("login_account:current", LIMIT, WINDOW_SECONDS);

      // The first two windows ended at T0 + 60 s; the third ends at T0 + 90 s.
      assert.equal(await deleteExpiredPostgresThrottleCounters(pool, T0 + 60_001), 2);
      assert.deepEqual(await keys(pool), ["login_account:current"]);
      assert.equal(await deleteExpiredPostgresThrottleCounters(pool, T0 + 60_001), 0, "nothing left to purge");
    }));

  it("leaves a full live counter in place, so the attacker it stops is still refused after the purge", () =>
    withMigratedSchema(async (pool, clock) => {
      const throttle = postgresThrottleStore(pool, { now: () => clock.now });
      for (let i = 0; i < LIMIT; i += 1)
        assert.equal((await throttle.consume("login_ip:full", LIMIT, WINDOW_SECONDS)).allowed, true);
      assert.equal((await throttle.consume("login_ip:full", LIMIT, WINDOW_SECONDS)).allowed, false);

      clock.now = T0 + 59_000;
      assert.equal(await deleteExpiredPostgresThrottleCounters(pool, clock.now), 0);
      const decision = await throttle.consume("login_ip:full", LIMIT, WINDOW_SECONDS);
      assert.deepEqual(decision, { allowed: false, retryAfterMs: 1_000 });
    }));

  it("keeps counters written without a window end by older versions (they never end)", () =>
    withMigratedSchema(async (pool) => {
      await pool.query("INSERT INTO latchkey_throttle (key, points, expire) VALUES ('legacy', 5, NULL)");
      assert.equal(await deleteExpiredPostgresThrottleCounters(pool, T0 + 3_600_000), 0);
      assert.deepEqual(await keys(pool), ["legacy"]);
    }));

  it("frees nothing when purges race a burst of 20 logins on a key whose window just ended: exactly the limit passes", () =>
    withMigratedSchema(async (pool, clock, schema) => {
      const throttle = postgresThrottleStore(pool, { now: () => clock.now });
      for (let i = 0; i < LIMIT; i += 1) await throttle.consume("login_account:burst", LIMIT, WINDOW_SECONDS);
      clock.now = T0 + 60_001;
      // A second pool, as a cron job's `latchkey clearsessions` would have, purging while the logins arrive.
      if (server === undefined) throw new Error("PostgreSQL did not start");
      const cron = openPool(server, schema, PATIENT_TIMEOUTS);
      try {
        const outcomes = await Promise.all([
          ...Array.from({ length: 20 }, () => throttle.consume("login_account:burst", LIMIT, WINDOW_SECONDS)),
          ...Array.from({ length: 5 }, () => deleteExpiredPostgresThrottleCounters(cron, clock.now)),
        ]);
        const decisions = outcomes.filter((outcome) => typeof outcome === "object");
        assert.equal(decisions.filter((decision) => decision.allowed).length, LIMIT);
        const row = await pool.query<{ points: number }>(
          "SELECT points FROM latchkey_throttle WHERE key = 'login_account:burst'",
        );
        assert.deepEqual(row.rows, [{ points: LIMIT }], "the new window's count survived the purges");
        assert.equal((await throttle.consume("login_account:burst", LIMIT, WINDOW_SECONDS)).allowed, false);
      } finally {
        await cron.end();
      }
    }));
});
