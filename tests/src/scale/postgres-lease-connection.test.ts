import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLatchkey, type Latchkey, type LatchkeyRequest } from "@latchkey/core";
import {
  migratePostgres,
  postgresInvalidationBus,
  postgresStores,
  recommendedPoolOptions,
} from "@latchkey/store-postgres";
import { requireProgram, startPostgres, waitUntil } from "@latchkey/testkit";
import pg from "pg";
import { fastHasher } from "../harness/test-latchkey.js";

// The PostgreSQL session cache's lease renews on a connection of its own (docs/production.md,
// "The session cache"). Here the request pool has one connection and a client holds it, as a
// burst of slow requests would: the process must keep renewing its lease and keep answering
// cached sessions. With renewals on the request pool they waited for a connection, failed,
// and the lease lapsed within one period, so every request fell back to the (busy) store.

const PASSWORD = "correct horse battery staple";
const LEASE_MS = 1_000;
const APPLICATION = "latchkey-lease-connection-test";

function whoamiRequest(token: string): LatchkeyRequest {
  return {
    method: "GET",
    path: "/api/hello/",
    header: (name) => (name.toLowerCase() === "authorization" ? `Bearer ${token}` : undefined),
    remoteAddress: "127.0.0.1",
    encrypted: false,
    readBody: async () => new Uint8Array(),
  };
}

/** Whether a whoami with `token` was answered, for `username`, from the cache (its hit counter moved). */
async function answeredFromCache(latchkey: Latchkey, token: string, username: string): Promise<boolean> {
  const hits = latchkey.sessions.cacheStats()?.hits ?? 0;
  try {
    const result = await latchkey.authenticateRequest(whoamiRequest(token));
    return result.ok && result.auth?.user.username === username && (latchkey.sessions.cacheStats()?.hits ?? 0) > hits;
  } catch {
    // A store read with the pool held times out: not answered from the cache.
    return false;
  }
}

describe("the PostgreSQL session cache's lease under a saturated request pool", {
  skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
}, () => {
  it("keeps renewing the lease on its own connection and serving cached sessions while every request connection is held", {
    timeout: 120_000,
  }, async () => {
    const server = await startPostgres();
    const pool = new pg.Pool({
      connectionString: server.url,
      ...recommendedPoolOptions,
      max: 1,
      connectionTimeoutMillis: 1_000,
      application_name: APPLICATION,
    });
    pool.on("error", () => {});
    const observer = new pg.Client({ connectionString: server.url });
    const bus = postgresInvalidationBus({ pool, channel: "lease_connection_test" });
    let held: pg.PoolClient | null = null;
    try {
      await observer.connect();
      await migratePostgres(pool);
      const latchkey = createLatchkey({
        stores: await postgresStores({ pool, invalidationChannel: "lease_connection_test" }),
        invalidationBus: bus,
        sessionCache: { enabled: true, leasePeriodMs: LEASE_MS },
        passwords: { hasher: fastHasher },
        throttle: { enabled: false },
      });
      await latchkey.accounts.createUser({ username: "busy", password: PASSWORD });
      const login = await latchkey.handle({
        ...whoamiRequest(""),
        method: "POST",
        path: "/api/token/login/",
        header: (name) => (name.toLowerCase() === "content-type" ? "application/json" : undefined),
        readBody: async () => new TextEncoder().encode(JSON.stringify({ username: "busy", password: PASSWORD })),
      });
      const token = (login?.body as { token?: unknown } | undefined)?.token;
      assert.ok(typeof token === "string", JSON.stringify(login?.body));
      await waitUntil("the token to be answered from the cache", () => answeredFromCache(latchkey, token, "busy"), {
        timeoutMs: 15_000,
      });

      // Every connection of the request pool is taken from here on.
      held = await pool.connect();
      const since = (await observer.query<{ now: Date }>("SELECT clock_timestamp() AS now")).rows[0]?.now;
      assert.ok(since instanceof Date);
      // A lease ending more than two periods after the hold began was written by a renewal sent
      // more than a period after it: renewals kept going, by the database's own clock.
      await waitUntil(
        "a lease renewal more than one lease period after the request pool was taken",
        async () =>
          (
            await observer.query(
              "SELECT 1 FROM latchkey_cache_leases WHERE expires_at > $1::timestamptz + $2 * interval '1 millisecond'",
              [since, 2 * LEASE_MS],
            )
          ).rowCount === 1,
        { timeoutMs: 15_000 },
      );
      await waitUntil(
        "the token to be answered from the cache while the request pool is taken",
        () => answeredFromCache(latchkey, token, "busy"),
        { timeoutMs: 15_000 },
      );
      // What a process opens: its pool (one connection here), the LISTEN connection, the lease's.
      const connections = await observer.query<{ count: string }>(
        "SELECT count(*) AS count FROM pg_stat_activity WHERE application_name = $1",
        [APPLICATION],
      );
      assert.equal(Number(connections.rows[0]?.count), 3, "pool + LISTEN + lease connections");
    } finally {
      held?.release();
      await bus.close();
      await pool.end().catch(() => {});
      await observer.end().catch(() => {});
      await server.dispose();
    }
  });
});
