import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runStoreContract } from "@latchkey/store-contract";
import { requireProgram, startRedisCluster, type RedisCluster } from "@latchkey/testkit";
import { redisStores } from "./redis-stores.js";
import { connectCluster, keysUnder, redisContractFactory } from "./redis-subject.test.helper.js";

const NOW = 1_700_000_000_000;

describe("Redis Cluster with 3 masters", { skip: requireProgram("redis-server", "redis-cli") }, () => {
  let cluster: RedisCluster | undefined;
  before(async () => {
    cluster = await startRedisCluster({ masters: 3 });
  });
  after(async () => {
    await cluster?.dispose();
  });
  const connect = async () => {
    if (cluster === undefined) throw new Error("the Redis Cluster did not start");
    return connectCluster(cluster.nodes);
  };

  runStoreContract(
    "redis cluster (sessions and throttle in Redis Cluster, users in SQLite)",
    redisContractFactory(connect),
    { accounts: false },
  );

  it("spreads one user's sessions over several nodes and still logs them all out at once", async () => {
    const client = await connect();
    try {
      const keyPrefix = `test-${NOW}-spread`;
      const stores = redisStores({ client, keyPrefix, clock: { now: () => NOW } });
      for (let i = 0; i < 30; i += 1) {
        await stores.sessions.createSession({
          id: `session-${i}`,
          secretHash: "ab".repeat(32),
          userId: "1",
          kind: i % 2 === 0 ? "cookie" : "bearer",
          createdAt: NOW + i,
          lastSeenAt: NOW + i,
          expiresAt: NOW + 60_000,
          absoluteExpiresAt: NOW + 120_000,
          ip: null,
          userAgent: null,
          label: null,
        });
      }
      const sessionKeys = (await keysUnder(client, keyPrefix)).filter(({ key }) => key.includes(":{s:"));
      assert.equal(sessionKeys.length, 30);
      assert.ok(new Set(sessionKeys.map((k) => k.node)).size >= 2, "the sessions should live on more than one node");
      assert.equal((await stores.sessions.listUserSessions("1")).length, 30);
      assert.equal(await stores.sessions.deleteUserSessions("1"), 30);
      assert.deepEqual(await keysUnder(client, keyPrefix), []);
    } finally {
      await client.quit();
    }
  });
});
