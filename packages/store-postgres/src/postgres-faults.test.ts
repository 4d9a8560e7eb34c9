import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StoreUnavailableError, type Stores, type ThrottleStore } from "@latchkey/core";
import { assertEveryMethodUnavailable, assertServingAgain, liveSession } from "@latchkey/store-contract";
import { requireProgram, startPostgres, waitUntil, type PostgresServer } from "@latchkey/testkit";
import type pg from "pg";
import { migratePostgres } from "./migrate.js";
import { postgresStores } from "./postgres-stores.js";
import { openPool } from "./postgres-subject.test.helper.js";

/** A hang must end in a rejection well within this; the pool's timeouts are 1–2 s. */
const TEST_TIMEOUT_MS = 60_000;

/** Waits (bounded) until the pool reaches the server again, then checks the same store objects serve. */
async function assertReconnected(stores: Stores, limiter: ThrottleStore): Promise<void> {
  await waitUntil(
    "the PostgreSQL stores to reconnect",
    () =>
      stores.sessions.getSession("probe").then(
        () => true,
        () => false,
      ),
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  assert.equal((await stores.sessions.getSession("s1"))?.id, "s1", "the data survived the outage");
  await assertServingAgain(stores, limiter);
}

async function withPostgres(
  test: (server: PostgresServer, stores: Stores, limiter: ThrottleStore, pool: pg.Pool) => Promise<void>,
): Promise<void> {
  const server = await startPostgres();
  const pool = openPool(server);
  try {
    await migratePostgres(pool);
    const stores = await postgresStores({ pool });
    const limiter = stores.throttle;
    await stores.sessions.createSession(liveSession("s1"));
    await test(server, stores, limiter, pool);
  } finally {
    await pool.end();
    await server.dispose();
  }
}

describe("PostgreSQL stores when PostgreSQL fails", {
  skip: requireProgram("initdb", "postgres", "pg_isready"),
}, () => {
  it(
    "reject with StoreUnavailableError once the server is killed, and serve again from the same objects after a restart",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withPostgres(async (server, stores, limiter) => {
        await server.kill();
        await assertEveryMethodUnavailable(stores, limiter);
        await server.restart();
        await assertReconnected(stores, limiter);
      }),
  );

  it(
    "reject with StoreUnavailableError once the server shuts down, and serve again after a restart",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withPostgres(async (server, stores, limiter) => {
        await server.stop();
        await assertEveryMethodUnavailable(stores, limiter);
        await server.restart();
        await assertReconnected(stores, limiter);
      }),
  );

  it(
    "reject with StoreUnavailableError after the connection timeout while the server accepts no connections",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withPostgres(async (server, stores, limiter, pool) => {
        // Only fresh connections hang on a frozen postmaster (backends run on), so drop the idle ones.
        await waitUntil(
          "the pool to have no idle connection",
          async () => {
            const idle = pool.idleCount;
            if (idle === 0) return true;
            const clients = await Promise.all(Array.from({ length: idle }, () => pool.connect()));
            for (const client of clients) client.release(true);
            return pool.idleCount === 0;
          },
          { timeoutMs: 5_000 },
        );
        server.pause();
        try {
          await assertEveryMethodUnavailable(stores, limiter);
        } finally {
          server.resume();
        }
        await assertReconnected(stores, limiter);
      }),
  );

  it("let a failing statement that is a bug, not an outage, through unchanged", { timeout: TEST_TIMEOUT_MS }, () =>
    withPostgres(async (_server, stores) => {
      await assert.rejects(
        stores.sessions.createSession(liveSession("s1")),
        (error: unknown) => error instanceof Error && !(error instanceof StoreUnavailableError),
      );
    }),
  );
});
