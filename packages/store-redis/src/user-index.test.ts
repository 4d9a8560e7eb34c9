import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SessionRecord } from "@latchkey/core";
import { requireProgram, startRedis, type RedisServer } from "@latchkey/testkit";
import { redisKeys } from "./keys.js";
import type { RedisClient } from "./redis-client.js";
import { redisStores } from "./redis-stores.js";
import { connectRedis, keysUnder } from "./redis-subject.test.helper.js";
import { packSession } from "./session-pack.js";
import { BUCKET_FILL, indexField, parseIndexField, userBuckets } from "./user-index.js";

const NOW = 1_700_000_000_000;

function session(id: string, userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    secretHash: "ab".repeat(32),
    userId,
    kind: "cookie",
    createdAt: NOW,
    lastSeenAt: NOW,
    expiresAt: NOW + 1_000,
    absoluteExpiresAt: NOW + 9_000,
    ip: null,
    userAgent: null,
    label: null,
    ...overrides,
  };
}

/** Writes `record` exactly as the previous version did: a packed string and an index hash of the user's own. */
async function writePreviousLayout(client: RedisClient, keyPrefix: string, record: SessionRecord): Promise<void> {
  const keys = redisKeys(keyPrefix);
  const ends = Math.min(record.expiresAt, record.absoluteExpiresAt);
  await client.hset(keys.userIndex(record.userId), record.id, String(Math.floor(ends / 1000)));
  await client.set(keys.session(record.id), packSession(record), "PX", 600_000);
}

describe("bucket fields", () => {
  it("tell the user and the session apart whatever characters the ids hold", () => {
    for (const [userId, sessionId] of [
      ["1", "abc"],
      ["12:3", "x:y"],
      ["a*[b]", "9"],
      ["", "s"],
    ] as const) {
      assert.deepEqual(parseIndexField(indexField(userId, sessionId)), { userId, sessionId });
    }
    assert.equal(parseIndexField("not ours"), null);
  });
});

describe("Redis user index buckets", { skip: requireProgram("redis-server") }, () => {
  let server: RedisServer | undefined;
  let client: RedisClient | undefined;
  before(async () => {
    server = await startRedis();
    client = await connectRedis(server);
  });
  after(async () => {
    await client?.quit();
    await server?.dispose();
  });
  const redis = (): RedisClient => {
    if (client === undefined) throw new Error("redis-server did not start");
    return client;
  };

  it("gives a user no key of their own: one-session users share compact listpack buckets", async () => {
    const keyPrefix = `test-${NOW}-shared`;
    const { sessions } = redisStores({ client: redis(), keyPrefix, clock: { now: () => NOW } });
    for (let user = 0; user < 300; user++) await sessions.createSession(session(`s${user}`, `user-${user}`));
    const keys = (await keysUnder(redis(), keyPrefix)).map(({ key }) => key);
    const buckets = keys.filter((key) => key.startsWith(`${keyPrefix}:{ub:`));
    assert.equal(keys.length - buckets.length, 300, "one key per session, nothing else besides the buckets");
    assert.ok(buckets.length <= 256, `${buckets.length} buckets for 300 users`);
    for (const bucket of buckets) assert.equal(await redis().object("ENCODING", bucket), "listpack");
    assert.deepEqual(
      (await sessions.listUserSessions("user-7")).map((s) => s.id),
      ["s7"],
    );
    for (let user = 0; user < 300; user++) assert.equal(await sessions.deleteUserSessions(`user-${user}`), 1);
    assert.deepEqual(await keysUnder(redis(), keyPrefix), []);
  });

  it("spills a full bucket into the next level and still lists and logs out every session", async () => {
    const keyPrefix = `test-${NOW}-spill`;
    const { sessions } = redisStores({ client: redis(), keyPrefix, clock: { now: () => NOW } });
    const count = BUCKET_FILL + 20;
    await Promise.all(
      Array.from({ length: count }, (_, i) => sessions.createSession(session(`s${i}`, "1", { createdAt: NOW + i }))),
    );
    const [first, second] = userBuckets(redisKeys(keyPrefix), "1");
    assert.equal(await redis().hlen(first ?? ""), BUCKET_FILL, "racing logins never overfill a bucket");
    assert.equal(await redis().hlen(second ?? ""), 20);
    assert.equal((await sessions.listUserSessions("1")).length, count);
    assert.equal(await sessions.deleteUserSessions("1", { exceptId: "s3" }), count - 1);
    assert.deepEqual(
      (await sessions.listUserSessions("1")).map((s) => s.id),
      ["s3"],
    );
    await sessions.deleteSession("s3");
    assert.deepEqual(await keysUnder(redis(), keyPrefix), []);
  });

  it("never lists or logs out a session of another user whose id looks like a pattern or a prefix", async () => {
    const keyPrefix = `test-${NOW}-patterns`;
    const { sessions } = redisStores({ client: redis(), keyPrefix, clock: { now: () => NOW } });
    const users = ["a", "a*", "*", "ab", "a:b", "[a]", "a?", "a\\"];
    for (const [i, userId] of users.entries()) await sessions.createSession(session(`s${i}`, userId));
    for (const [i, userId] of users.entries()) {
      assert.deepEqual(
        (await sessions.listUserSessions(userId)).map((s) => s.id),
        [`s${i}`],
        `user ${userId}`,
      );
    }
    assert.equal(await sessions.deleteUserSessions("a*"), 1);
    assert.equal((await sessions.listUserSessions("a")).length, 1);
    assert.equal(await sessions.deleteExpiredSessions(NOW + 1_000), users.length - 1);
    assert.deepEqual(await keysUnder(redis(), keyPrefix), []);
  });

  it("keeps listing, logging out and purging sessions the previous version indexed in a hash per user", async () => {
    const keyPrefix = `test-${NOW}-previous`;
    const { sessions } = redisStores({ client: redis(), keyPrefix, clock: { now: () => NOW } });
    const keys = redisKeys(keyPrefix);
    await writePreviousLayout(redis(), keyPrefix, session("old1", "1"));
    await writePreviousLayout(redis(), keyPrefix, session("old2", "1", { createdAt: NOW + 1 }));
    await writePreviousLayout(redis(), keyPrefix, session("old3", "1", { createdAt: NOW + 2 }));
    await writePreviousLayout(redis(), keyPrefix, session("gone", "2"));
    await sessions.createSession(session("new", "1", { createdAt: NOW + 3 }));
    assert.deepEqual(
      (await sessions.listUserSessions("1")).map((s) => s.id),
      ["new", "old3", "old2", "old1"],
    );
    // A logout removes the old entry too.
    await sessions.deleteSession("old1");
    assert.deepEqual(await redis().hkeys(keys.userIndex("1")), ["old2", "old3"]);
    // "Log out other devices" reaches old and new sessions alike.
    assert.equal(await sessions.deleteUserSessions("1", { exceptId: "old3" }), 2);
    assert.deepEqual(
      (await sessions.listUserSessions("1")).map((s) => s.id),
      ["old3"],
    );
    // The purge ends old sessions and cleans the old index hashes.
    assert.equal(await sessions.deleteExpiredSessions(NOW + 1_000), 2);
    assert.deepEqual(await keysUnder(redis(), keyPrefix), []);
  });
});
