import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { InvalidationBus, InvalidationEvent } from "@latchkey/core";
import {
  redisCommand,
  requireProgram,
  startRedis,
  startRedisCluster,
  waitUntil,
  type RedisCluster,
  type RedisServer,
} from "@latchkey/testkit";
import { redisInvalidationBus } from "./redis-invalidation-bus.js";
import type { RedisClient } from "./redis-client.js";
import { connectCluster, connectRedis } from "./redis-subject.test.helper.js";

const TEST_TIMEOUT_MS = 60_000;

/** A bus over its own client, recording what it receives. */
function recordingBus(client: RedisClient, keyPrefix: string): { bus: InvalidationBus; received: InvalidationEvent[] } {
  const bus = redisInvalidationBus({ client, keyPrefix });
  const received: InvalidationEvent[] = [];
  bus.subscribe((event) => received.push(event));
  return { bus, received };
}

async function ready(bus: InvalidationBus): Promise<void> {
  await waitUntil("the invalidation bus to be ready", async () => bus.status === "ready", {
    timeoutMs: 15_000,
    intervalMs: 20,
  });
}

/**
 * The guarantee the session cache is built on: once `publish` resolved in one process, a
 * `sync()` started afterwards in another resolves only after that process handled the event.
 */
async function assertSyncSeesEveryPublish(
  publisher: InvalidationBus,
  listener: { bus: InvalidationBus; received: InvalidationEvent[] },
  rounds: number,
): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    const event: InvalidationEvent = { kind: "session", id: `s${i}` };
    await publisher.publish(event);
    await listener.bus.sync();
    assert.deepEqual(listener.received.at(-1), event, `round ${i}: the event arrived before the barrier`);
  }
}

describe("redisInvalidationBus() on a standalone Redis", { skip: requireProgram("redis-server") }, () => {
  let server: RedisServer | undefined;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server?.dispose();
  });
  function redis(): RedisServer {
    if (server === undefined) throw new Error("redis-server did not start");
    return server;
  }

  it("hands { kind: 'all' } to its handlers once subscribed, then every published event, in order, to every process", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const [clientA, clientB] = [await connectRedis(redis()), await connectRedis(redis())];
    const a = recordingBus(clientA, "bus-order");
    const b = recordingBus(clientB, "bus-order");
    try {
      await Promise.all([ready(a.bus), ready(b.bus)]);
      assert.deepEqual(a.received, [{ kind: "all" }]);
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
      clientA.disconnect();
      clientB.disconnect();
    }
  });

  it("resolves a sync barrier only after every event published before it was handled", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const [clientA, clientB] = [await connectRedis(redis()), await connectRedis(redis())];
    const a = recordingBus(clientA, "bus-sync");
    const b = recordingBus(clientB, "bus-sync");
    try {
      await Promise.all([ready(a.bus), ready(b.bus)]);
      await assertSyncSeesEveryPublish(a.bus, b, 300);
    } finally {
      await Promise.all([a.bus.close(), b.bus.close()]);
      clientA.disconnect();
      clientB.disconnect();
    }
  });

  it("turns a message it cannot read into { kind: 'all' }", { timeout: TEST_TIMEOUT_MS }, async () => {
    const client = await connectRedis(redis());
    const a = recordingBus(client, "bus-garbage");
    try {
      await ready(a.bus);
      await redisCommand(redis().port, ["PUBLISH", "bus-garbage:{invalidations}", '{"kind":"session","id":42}']);
      await a.bus.sync();
      assert.deepEqual(a.received, [{ kind: "all" }, { kind: "all" }]);
    } finally {
      await a.bus.close();
      client.disconnect();
    }
  });
});

describe("redisInvalidationBus() when Redis goes away", { skip: requireProgram("redis-server") }, () => {
  it("reports down and refuses sync while Redis is stopped, then re-subscribes by itself and says { kind: 'all' }", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const server = await startRedis();
    const client = await connectRedis(server);
    const a = recordingBus(client, "bus-outage");
    try {
      await ready(a.bus);
      await server.stop();
      await waitUntil("the bus to notice", async () => a.bus.status === "down", { timeoutMs: 15_000, intervalMs: 20 });
      await assert.rejects(a.bus.sync());
      await assert.rejects(a.bus.publish({ kind: "session", id: "x" }));
      await server.restart();
      await ready(a.bus);
      assert.deepEqual(a.received, [{ kind: "all" }, { kind: "all" }], "a second 'all' after the outage");
      await waitUntil("the client to reconnect", async () => client.status === "ready", {
        timeoutMs: 15_000,
        intervalMs: 20,
      });
      await a.bus.publish({ kind: "session", id: "after" });
      await a.bus.sync();
      assert.deepEqual(a.received.at(-1), { kind: "session", id: "after" });
    } finally {
      await a.bus.close();
      client.disconnect();
      await server.dispose();
    }
  });
});

describe("redisInvalidationBus() on a Redis Cluster (sharded pub/sub)", {
  skip: requireProgram("redis-server", "redis-cli"),
}, () => {
  let cluster: RedisCluster | undefined;
  before(async () => {
    cluster = await startRedisCluster({ masters: 3 });
  });
  after(async () => {
    await cluster?.dispose();
  });

  it("delivers events between processes and orders them before a later sync barrier", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    if (cluster === undefined) throw new Error("the Redis Cluster did not start");
    const [clientA, clientB] = [await connectCluster(cluster.nodes), await connectCluster(cluster.nodes)];
    const a = recordingBus(clientA, "bus-cluster");
    const b = recordingBus(clientB, "bus-cluster");
    try {
      await Promise.all([ready(a.bus), ready(b.bus)]);
      await assertSyncSeesEveryPublish(a.bus, b, 200);
      await assertSyncSeesEveryPublish(b.bus, a, 50);
    } finally {
      await Promise.all([a.bus.close(), b.bus.close()]);
      clientA.disconnect();
      clientB.disconnect();
    }
  });
});
