import { randomUUID } from "node:crypto";
import { after, before, describe } from "node:test";
import { cacheLeaseContract, type CacheLeaseFactory } from "@latchkey/store-contract";
import { requireProgram, startRedis, startRedisCluster, type RedisCluster, type RedisServer } from "@latchkey/testkit";
import { redisCacheLeases } from "./redis-cache-leases.js";
import type { RedisClient } from "./redis-client.js";
import { connectCluster, connectRedis, keysUnder } from "./redis-subject.test.helper.js";

/** Lease records under a fresh key prefix of a new client; cleanup deletes them and disconnects. */
function factory(connect: () => Promise<RedisClient>): CacheLeaseFactory {
  return async () => {
    const client = await connect();
    const prefix = `test-${randomUUID()}`;
    return {
      leases: redisCacheLeases(client, prefix),
      async cleanup() {
        for (const { key } of await keysUnder(client, prefix)) await client.unlink(key);
        client.disconnect();
      },
    };
  };
}

describe("Redis cache leases on a standalone Redis", { skip: requireProgram("redis-server") }, () => {
  let server: RedisServer | undefined;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server?.dispose();
  });
  cacheLeaseContract(
    factory(() => {
      if (server === undefined) throw new Error("redis-server did not start");
      return connectRedis(server);
    }),
  );
});

describe("Redis cache leases on a Redis Cluster with 3 masters", {
  skip: requireProgram("redis-server", "redis-cli"),
}, () => {
  let cluster: RedisCluster | undefined;
  before(async () => {
    cluster = await startRedisCluster({ masters: 3 });
  });
  after(async () => {
    await cluster?.dispose();
  });
  cacheLeaseContract(
    factory(() => {
      if (cluster === undefined) throw new Error("the Redis Cluster did not start");
      return connectCluster(cluster.nodes);
    }),
  );
});
