import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runStoreContract } from "@latchkey/store-contract";
import { requireProgram, startRedis, type RedisServer } from "@latchkey/testkit";
import { expiryMember, redisKeys } from "./keys.js";
import { redisStores } from "./redis-stores.js";
import type { SessionRecord } from "@latchkey/core";
import type { RedisClient } from "./redis-client.js";
import { connectRedis, keysUnder, redisContractFactory } from "./redis-subject.test.helper.js";
import { sessionFields } from "./session-hash.js";
import { WRITTEN_BY_THE_PREVIOUS_VERSION } from "./session-pack-v1.test.helper.js";
import { indexField, userBuckets } from "./user-index.js";

/** Writes `record` exactly as versions before the packed layout did: a hash, the user's set and two sorted sets. */
async function writeOldLayout(client: RedisClient, keyPrefix: string, record: SessionRecord): Promise<void> {
  const keys = redisKeys(keyPrefix);
  const ends = Math.min(record.expiresAt, record.absoluteExpiresAt);
  await client.sadd(keys.userSessions(record.userId), record.id);
  await client.zadd(keys.sessionsByCreated, record.createdAt, record.id);
  await client.zadd(keys.sessionsByExpiry, ends, expiryMember(record.id, record.userId));
  await client.hset(keys.session(record.id), ...sessionFields(record));
  await client.pexpire(keys.session(record.id), 600_000);
}

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

  runStoreContract("redis (sessions and throttle in Redis, users in SQLite)", redisContractFactory(connect), {
    accounts: false,
  });

  describe("redisStores()", () => {
    it("has Redis drop a session by itself at its end plus the grace period", async () => {
      const client = await connect();
      try {
        const keyPrefix = `test-${NOW}-native`;
        const clock = { now: () => NOW };
        const stores = redisStores({ client, keyPrefix, clock, expiryGraceSeconds: 60 });
        await stores.sessions.createSession(
          session({ id: "a", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }),
        );
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
        await stores.sessions.createSession(
          session({ id: "a", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }),
        );
        await stores.sessions.createSession(
          session({ id: "b", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }),
        );
        await stores.sessions.deleteSession("a");
        await stores.sessions.deleteUserSessions("1");
        assert.deepEqual(await keysUnder(client, keyPrefix), []);
      } finally {
        await client.quit();
      }
    });

    it("reads, touches, lists and logs out sessions an earlier version stored as hashes, next to new ones", async () => {
      const client = await connect();
      try {
        const keyPrefix = `test-${NOW}-old-layout`;
        const stores = redisStores({ client, keyPrefix, clock: { now: () => NOW } });
        const old = {
          ...session({ id: "old", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }),
          ip: "10.0.0.1",
          userAgent: "Firefox",
          label: "laptop",
        };
        await writeOldLayout(client, keyPrefix, old);
        await stores.sessions.createSession({
          ...session({ id: "new", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }),
          createdAt: NOW + 1,
        });
        assert.deepEqual(await stores.sessions.getSession("old"), old);
        await stores.sessions.updateSessionExpiration("old", NOW + 10, NOW + 2_000);
        const touched = { ...old, lastSeenAt: NOW + 10, expiresAt: NOW + 2_000 };
        assert.deepEqual(await stores.sessions.getSession("old"), touched);
        assert.deepEqual(
          (await stores.sessions.listUserSessions("1")).map((s) => s.id),
          ["new", "old"],
        );
        assert.deepEqual(
          (await stores.sessions.listSessions({ limit: 10 })).map((s) => s.id),
          ["new", "old"],
        );
        assert.equal(await stores.sessions.deleteUserSessions("1"), 2);
        assert.equal(await stores.sessions.getSession("old"), null);
        assert.deepEqual(await keysUnder(client, keyPrefix), []);
      } finally {
        await client.quit();
      }
    });

    it("purges an ended session an earlier version stored as a hash, with its index entries, and counts it once", async () => {
      const client = await connect();
      try {
        const keyPrefix = `test-${NOW}-old-purge`;
        const stores = redisStores({ client, keyPrefix, clock: { now: () => NOW } });
        await writeOldLayout(
          client,
          keyPrefix,
          session({ id: "old", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }),
        );
        await stores.sessions.createSession(
          session({ id: "new", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }),
        );
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW + 999), 0);
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW + 1_000), 2);
        assert.equal(await stores.sessions.getSession("old"), null);
        assert.deepEqual(await keysUnder(client, keyPrefix), []);
      } finally {
        await client.quit();
      }
    });

    it("reads, touches, lists, purges and logs out sessions the previous version packed with times as doubles", async () => {
      const client = await connect();
      try {
        const keyPrefix = `test-${NOW}-packed-v1`;
        const keys = redisKeys(keyPrefix);
        const stores = redisStores({ client, keyPrefix, clock: { now: () => NOW } });
        for (const { base64, record } of WRITTEN_BY_THE_PREVIOUS_VERSION) {
          const ends = Math.min(record.expiresAt, record.absoluteExpiresAt);
          const [bucket] = userBuckets(keys, record.userId);
          if (bucket === undefined) throw new Error("no bucket");
          await client.hset(bucket, indexField(record.userId, record.id), String(Math.floor(ends / 1000)));
          await client.set(keys.session(record.id), Buffer.from(base64, "base64"), "PX", 600_000);
        }
        const [cookie, bearer] = WRITTEN_BY_THE_PREVIOUS_VERSION.map(({ record }) => record);
        if (cookie === undefined || bearer === undefined) throw new Error("no golden values");
        assert.deepEqual(await stores.sessions.getSession(cookie.id), cookie);
        assert.deepEqual(await stores.sessions.getSession(bearer.id), bearer);
        // A touch rewrites the doubles in place and keeps the rest of the value.
        await stores.sessions.updateSessionExpiration(cookie.id, NOW + 10, NOW + 2_000);
        const touched = { ...cookie, lastSeenAt: NOW + 10, expiresAt: NOW + 2_000 };
        assert.deepEqual(await stores.sessions.getSession(cookie.id), touched);
        const ttl = await client.pttl(keys.session(cookie.id));
        assert.ok(ttl > 300_000, `PTTL ${ttl} should be about 2 s + the 300 s grace`);
        assert.deepEqual(
          (await stores.sessions.listUserSessions("1")).map((s) => s.id),
          [bearer.id, touched.id].sort().reverse(),
        );
        // Logging out only the cookie sessions reads each one's kind from the old layout.
        assert.equal(await stores.sessions.deleteUserSessions("1", { kind: "cookie" }), 1);
        assert.deepEqual(await stores.sessions.getSession(bearer.id), bearer);
        // The purge reads the old layout's end: not before it, exactly at it.
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW + 999), 0);
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW + 1_000), 1);
        assert.deepEqual(await keysUnder(client, keyPrefix), []);
      } finally {
        await client.quit();
      }
    });

    it("keeps every time exactly when a touch brings a time that is not whole milliseconds", async () => {
      const client = await connect();
      try {
        const keyPrefix = `test-${NOW}-widen`;
        const keys = redisKeys(keyPrefix);
        const stores = redisStores({ client, keyPrefix, clock: { now: () => NOW } });
        const record = {
          ...session({ id: "a", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }),
          ip: "10.1.2.3",
          userAgent: "curl/8.5.0",
          label: "laptop",
        };
        await stores.sessions.createSession(record);
        await stores.sessions.updateSessionExpiration("a", NOW + 0.5, NOW + 2_000.25);
        const touched = { ...record, lastSeenAt: NOW + 0.5, expiresAt: NOW + 2_000.25 };
        assert.deepEqual(await stores.sessions.getSession("a"), touched);
        const ttl = await client.pttl(keys.session("a"));
        assert.ok(ttl > 300_000, `PTTL ${ttl}: the rewrite must keep a native expiry`);
        // Later touches with whole milliseconds keep working on the wider value.
        await stores.sessions.updateSessionExpiration("a", NOW + 20, NOW + 3_000);
        assert.deepEqual(await stores.sessions.getSession("a"), {
          ...touched,
          lastSeenAt: NOW + 20,
          expiresAt: NOW + 3_000,
        });
        await stores.sessions.deleteSession("a");
        assert.deepEqual(await keysUnder(client, keyPrefix), []);
      } finally {
        await client.quit();
      }
    });

    it("keeps a session in a packed value of under 100 bytes, not a hash", async () => {
      const client = await connect();
      try {
        const keyPrefix = `test-${NOW}-packed`;
        const stores = redisStores({ client, keyPrefix, clock: { now: () => NOW } });
        const chrome =
          "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
        await stores.sessions.createSession({
          ...session({ id: "a", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 9_000 }),
          ip: "10.1.2.3",
          userAgent: chrome,
        });
        assert.equal(await client.type(redisKeys(keyPrefix).session("a")), "string");
        const bytes = await client.strlen(redisKeys(keyPrefix).session("a"));
        assert.ok(bytes < 100, `${bytes} bytes`);
        await stores.sessions.deleteSession("a");
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
