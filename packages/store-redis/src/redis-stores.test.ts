import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runStoreContract } from "@latchkey/store-contract";
import { requireProgram, startRedis, type RedisServer } from "@latchkey/testkit";
import { redisKeys } from "./keys.js";
import { redisStores } from "./redis-stores.js";
import { connectRedis, keysUnder, redisContractFactory } from "./redis-subject.test.helper.js";

const NOW = 1_700_000_000_000;

function session(overrides: { id: string; expiresAt: number; absoluteExpiresAt: number }) {
  return {
    secretHash: "ab".repeat(32),
    userId: "1",
    kind: "cookie" as const,
    createdAt: NOW,
    lastSeenAt: NOW,
    ip: null,
    userAgent: null,
    label: null,
    ...overrides,
  };
}

describe("Redis standalone", { skip: requireProgram("redis-server") }, () => {
  let server: RedisServer | undefined;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server?.dispose();
  });
  const connect = async () => {
    if (server === undefined) throw new Error("redis-server did not start");
    return connectRedis(server);
  };

  runStoreContract("redis (sessions and throttle in Redis, users in SQLite)", redisContractFactory(connect), { accounts: false });

  describe("redisStores()", () => {
    it("has Redis drop a session by itself at its end plus the grace period", async () => {
      const client = await connect();
      try {
        const keyPrefix = `test-${NOW}-native`;
        const clock = { now: () => NOW };
        const stores = redisStores({ client, keyPrefix, clock, expiryGraceSeconds: 60 });
        await stores.sessions.createSession(session({ id: "a", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }));
        const ttl = await client.pttl(redisKeys(keyPrefix).session("a"));
        assert.ok(ttl > 55_000 && ttl <= 61_000, `PTTL ${ttl} should be about 1 s + 60 s`);
        // A touch moves the native expiry along with the idle expiry, capped by the absolute one.
        await stores.sessions.updateSessionExpiration("a", NOW, NOW + 50_000);
        const touched = await client.pttl(redisKeys(keyPrefix).session("a"));
        assert.ok(touched > 64_000 && touched <= 69_000, `PTTL ${touched} should be about 9 s + 60 s`);
        // Without a grace period, a session created already ended is never kept at all.
        const strict = redisStores({ client, keyPrefix, clock, expiryGraceSeconds: 0 });
        await strict.sessions.createSession(session({ id: "b", expiresAt: NOW, absoluteExpiresAt: NOW + 9_000 }));
        assert.equal(await strict.sessions.getSession("b"), null);
        // Its index entries stay until the purge, which counts and removes them.
        assert.equal(await strict.sessions.deleteExpiredSessions(NOW), 1);
        for (const { key } of await keysUnder(client, keyPrefix)) await client.unlink(key);
      } finally {
        await client.quit();
      }
    });

    it("keeps no index entry of a session once it is deleted", async () => {
      const client = await connect();
      try {
        const keyPrefix = `test-${NOW}-clean`;
        const stores = redisStores({ client, keyPrefix, clock: { now: () => NOW } });
        await stores.sessions.createSession(session({ id: "a", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }));
        await stores.sessions.createSession(session({ id: "b", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }));
        await stores.sessions.deleteSession("a");
        await stores.sessions.deleteUserSessions("1");
        assert.deepEqual(await keysUnder(client, keyPrefix), []);
      } finally {
        await client.quit();
      }
    });

    it("refuses a key prefix with a brace, which would break Redis Cluster hash tags", () => {
      assert.throws(() => redisKeys("app{1}"), /must be non-empty and contain no/);
      assert.throws(() => redisKeys(""), /must be non-empty/);
    });
  });
});
