import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { postgresSessionStore, postgresThrottleStore } from "@latchkey/store-postgres";
import { requireProgram, startPostgres, type PostgresServer } from "@latchkey/testkit";
import pg from "pg";
import { runLatchkey, tempDir } from "../server/latchkey-process.js";
import { HOUR, session } from "./clearsessions-fixtures.js";

describe("latchkey clearsessions with databaseUrl (PostgreSQL)", {
  skip: requireProgram("initdb", "postgres", "pg_isready"),
}, () => {
  let server: PostgresServer | undefined;
  const dir = tempDir("latchkey-cli-pg-");
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.dispose();
    dir.cleanup();
  });

  it("deletes expired sessions and expired throttle counters in PostgreSQL, prints the counts, and keeps live counters throttling", async () => {
    if (server === undefined) throw new Error("PostgreSQL did not start");
    const env = { LATCHKEY_DATABASE_URL: server.url };
    const migrated = await runLatchkey(["migrate"], { cwd: dir.path, env });
    assert.equal(migrated.code, 0, migrated.stderr);

    const pool = new pg.Pool({ connectionString: server.url });
    // pool.end() resolves before its connections have closed; when PostgreSQL stops in that
    // window (after() disposes it), a closing connection reports "terminating connection", and
    // an "error" event with no listener is an uncaught exception that fails the file.
    pool.on("error", () => {});
    try {
      const now = Date.now();
      const sessions = postgresSessionStore(pool);
      await sessions.createSession(session("idle-expired", { expiresAt: now - HOUR }));
      await sessions.createSession(session("absolute-expired", { absoluteExpiresAt: now - HOUR }));
      await sessions.createSession(session("live", {}));
      // Counters as the rate limiter writes them: `expire` in ms since the epoch. The full one stands for an
      // attacker who used up an account's login attempts in the last few minutes.
      const insert = "INSERT INTO latchkey_throttle (key, points, expire) VALUES ($1, $2, $3)";
      await pool.query(insert, ["login_account:old", 3, now - HOUR]);
      await pool.query(insert, ["login_ip:old", 1, now - 2 * HOUR]);
      await pool.query(insert, ["login_account:full", 5, now + HOUR]);

      const result = await runLatchkey(["clearsessions"], { cwd: dir.path, env });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "Deleted 2 expired sessions and 2 expired throttle counters.\n");

      const again = await runLatchkey(["clearsessions"], { cwd: dir.path, env });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, "Deleted 0 expired sessions and 0 expired throttle counters.\n");

      assert.notEqual(await sessions.getSession("live"), null);
      const counters = await pool.query<{ key: string }>("SELECT key FROM latchkey_throttle ORDER BY key");
      assert.deepEqual(
        counters.rows.map((row) => row.key),
        ["login_account:full"],
      );
      const decision = await postgresThrottleStore(pool).consume("login_account:full", 5, 3_600);
      assert.equal(decision.allowed, false, "the purge must not give the attacker new attempts");
    } finally {
      await pool.end();
    }
  });
});
