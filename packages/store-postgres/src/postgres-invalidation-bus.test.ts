import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { InvalidationBus, InvalidationEvent } from "@latchkey/core";
import { requireProgram, startPostgres, waitUntil, type PostgresServer } from "@latchkey/testkit";
import type pg from "pg";
import { liveSession } from "@latchkey/store-contract";
import { migratePostgres } from "./migrate.js";
import { postgresInvalidationBus } from "./postgres-invalidation-bus.js";
import { postgresSessionStore } from "./postgres-session-store.js";
import { openPool } from "./postgres-subject.test.helper.js";

const TEST_TIMEOUT_MS = 90_000;

function recordingBus(pool: pg.Pool, channel: string): { bus: InvalidationBus; received: InvalidationEvent[] } {
  const bus = postgresInvalidationBus({ pool, channel });
  const received: InvalidationEvent[] = [];
  bus.subscribe((event) => received.push(event));
  return { bus, received };
}

async function ready(bus: InvalidationBus): Promise<void> {
  await waitUntil("the invalidation bus to be ready", async () => bus.status === "ready", {
    timeoutMs: 20_000,
    intervalMs: 20,
  });
}

describe("postgresInvalidationBus()", { skip: requireProgram("initdb", "postgres", "pg_isready", "createdb") }, () => {
  let server: PostgresServer | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.dispose();
  });
  function postgres(): PostgresServer {
    if (server === undefined) throw new Error("PostgreSQL did not start");
    return server;
  }

  it("hands { kind: 'all' } to its handlers once listening, then every published event, in order, to every process", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const [poolA, poolB] = [openPool(postgres()), openPool(postgres())];
    const a = recordingBus(poolA, "bus_order");
    const b = recordingBus(poolB, "bus_order");
    try {
      await Promise.all([ready(a.bus), ready(b.bus)]);
      const events: InvalidationEvent[] = [
        { kind: "session", id: "one" },
        { kind: "user", userId: "42" },
        { kind: "all" },
      ];
      for (const event of events) await a.bus.publish(event);
      await b.bus.sync();
      assert.deepEqual(b.received, [{ kind: "all" }, ...events]);
      await a.bus.sync();
      assert.deepEqual(a.received, [{ kind: "all" }, ...events], "the publisher hears its own events too");
    } finally {
      await Promise.all([a.bus.close(), b.bus.close()]);
      await Promise.all([poolA.end(), poolB.end()]);
    }
  });

  it("resolves a sync barrier only after every event committed before it was handled", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const [poolA, poolB] = [openPool(postgres()), openPool(postgres())];
    const a = recordingBus(poolA, "bus_sync");
    const b = recordingBus(poolB, "bus_sync");
    try {
      await Promise.all([ready(a.bus), ready(b.bus)]);
      for (let i = 0; i < 200; i += 1) {
        const event: InvalidationEvent = { kind: "session", id: `s${i}` };
        await a.bus.publish(event);
        await b.bus.sync();
        assert.deepEqual(b.received.at(-1), event, `round ${i}: the event arrived before the barrier`);
      }
    } finally {
      await Promise.all([a.bus.close(), b.bus.close()]);
      await Promise.all([poolA.end(), poolB.end()]);
    }
  });

  it("turns a notification it cannot read into { kind: 'all' }", { timeout: TEST_TIMEOUT_MS }, async () => {
    const pool = openPool(postgres());
    const a = recordingBus(pool, "bus_garbage");
    try {
      await ready(a.bus);
      await pool.query("NOTIFY bus_garbage, 'not json'");
      await a.bus.sync();
      assert.deepEqual(a.received, [{ kind: "all" }, { kind: "all" }]);
    } finally {
      await a.bus.close();
      await pool.end();
    }
  });

  it("refuses a channel name that is not a plain identifier", () => {
    const pool = openPool(postgres());
    try {
      assert.throws(() => postgresInvalidationBus({ pool, channel: 'x"; DROP TABLE y; --' }), /lower-case identifier/);
    } finally {
      void pool.end();
    }
  });
});

describe("postgresInvalidationBus() when PostgreSQL goes away", {
  skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
}, () => {
  it("reports down and refuses sync while the server is stopped, then listens again by itself and says { kind: 'all' }", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const server = await startPostgres();
    const pool = openPool(server);
    const a = recordingBus(pool, "bus_outage");
    try {
      await ready(a.bus);
      await server.stop();
      await waitUntil("the bus to notice", async () => a.bus.status === "down", { timeoutMs: 20_000, intervalMs: 20 });
      await assert.rejects(a.bus.sync());
      await assert.rejects(a.bus.publish({ kind: "session", id: "x" }));
      await server.restart();
      await ready(a.bus);
      assert.deepEqual(a.received, [{ kind: "all" }, { kind: "all" }], "a second 'all' after the outage");
      await a.bus.publish({ kind: "session", id: "after" });
      await a.bus.sync();
      assert.deepEqual(a.received.at(-1), { kind: "session", id: "after" });
    } finally {
      await a.bus.close();
      await pool.end();
      await server.dispose();
    }
  });
});

describe("postgresInvalidationBus() when PostgreSQL freezes", {
  skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
}, () => {
  it("rejects a sync barrier that cannot come back, leaves no rejection unhandled, and syncs again once the server answers", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const server = await startPostgres();
    const pool = openPool(server);
    const a = recordingBus(pool, "bus_freeze");
    // An unhandled rejection ends a real server process: here it is recorded instead.
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", record);
    try {
      await ready(a.bus);
      // SIGSTOP to every PostgreSQL process: the listener's socket stays open and nothing answers.
      server.freeze();
      try {
        await assert.rejects(a.bus.sync(), /did not come back|timeout/i);
        await waitUntil("the bus to give the frozen listener up", async () => a.bus.status !== "ready", {
          timeoutMs: 20_000,
          intervalMs: 20,
        });
      } finally {
        server.thaw();
      }
      await ready(a.bus);
      await a.bus.publish({ kind: "session", id: "after" });
      await a.bus.sync();
      assert.deepEqual(a.received.at(-1), { kind: "session", id: "after" });
      // A tick for rejections still queued to be reported.
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled.map(String), [], "no promise rejected with nothing awaiting it");
    } finally {
      process.off("unhandledRejection", record);
      await a.bus.close();
      await pool.end();
      await server.dispose();
    }
  });
});

describe("a PostgreSQL session store that carries invalidations", {
  skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
}, () => {
  it("NOTIFYs each session deletion in the same statement: delivered after the row is gone, and the deletion count is kept", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const server = await startPostgres();
    const pool = openPool(server);
    const listener = recordingBus(openPool(server), "bus_store");
    try {
      await migratePostgres(pool);
      const sessions = postgresSessionStore(pool, { invalidationChannel: "bus_store" });
      await sessions.createSession(liveSession("one"));
      await sessions.createSession({ ...liveSession("two"), userId: "7" });
      await sessions.createSession({ ...liveSession("three"), userId: "7" });
      await ready(listener.bus);
      await sessions.deleteSession("one");
      assert.equal(await sessions.deleteUserSessions("7", { exceptId: "three" }), 1);
      await listener.bus.sync();
      assert.deepEqual(listener.received, [
        { kind: "all" },
        { kind: "session", id: "one" },
        { kind: "user", userId: "7" },
      ]);
      assert.equal(await sessions.getSession("one"), null);
      assert.equal((await sessions.getSession("three"))?.id, "three");
    } finally {
      await listener.bus.close();
      await pool.end();
      await server.dispose();
    }
  });
});
