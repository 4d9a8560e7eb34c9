import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StoreUnavailableError, type SessionRecord, type StoreName } from "@latchkey/core";
import { requireProgram, startRedis, waitUntil, type RedisServer } from "@latchkey/testkit";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { redisStores, type RedisStores } from "./redis-stores.js";
import { connectRedis } from "./redis-subject.test.helper.js";

/** A hang must end in a rejection well within this; the client's command timeout is 1 s. */
const TEST_TIMEOUT_MS = 30_000;

function makeSession(id: string): SessionRecord {
  const now = Date.now();
  return {
    id,
    secretHash: "ab".repeat(32),
    userId: "1",
    kind: "cookie",
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 60_000,
    absoluteExpiresAt: now + 120_000,
    ip: null,
    userAgent: null,
    label: null,
  };
}

function unavailable(store: StoreName): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${String(error)}`);
    assert.equal(error.store, store);
    return true;
  };
}

/** Every store method, at once, must reject with StoreUnavailableError (at once: a hang would time the test out). */
async function assertEveryMethodUnavailable(stores: RedisStores, limiter: RateLimiterAbstract): Promise<void> {
  const { sessions } = stores;
  await Promise.all([
    assert.rejects(sessions.getSession("s1"), unavailable("session")),
    assert.rejects(sessions.createSession(makeSession("s2")), unavailable("session")),
    assert.rejects(sessions.updateSessionExpiration("s1", Date.now(), Date.now() + 1), unavailable("session")),
    assert.rejects(sessions.deleteSession("s1"), unavailable("session")),
    assert.rejects(sessions.deleteUserSessions("1"), unavailable("session")),
    assert.rejects(sessions.listUserSessions("1"), unavailable("session")),
    assert.rejects(sessions.listSessions({ limit: 10 }), unavailable("session")),
    assert.rejects(sessions.deleteExpiredSessions(Date.now()), unavailable("session")),
    assert.rejects(limiter.consume("alice"), unavailable("throttle")),
    assert.rejects(limiter.get("alice"), unavailable("throttle")),
    assert.rejects(limiter.delete("alice"), unavailable("throttle")),
  ]);
}

/** Waits (bounded) until the client has reconnected, then checks the same store objects serve again. */
async function assertServingAgain(stores: RedisStores, limiter: RateLimiterAbstract): Promise<void> {
  await waitUntil(
    "the Redis stores to reconnect",
    () => stores.sessions.getSession("probe").then(() => true, () => false),
    { timeoutMs: 15_000, intervalMs: 50 },
  );
  // Fresh ids and keys: a command that timed out during a hang may still have run afterwards.
  const session = makeSession("after-outage");
  await stores.sessions.createSession(session);
  assert.deepEqual(await stores.sessions.getSession(session.id), session);
  assert.ok((await stores.sessions.listUserSessions("1")).some((s) => s.id === session.id));
  assert.equal((await limiter.consume("bob")).consumedPoints, 1);
}

/** Runs `test` against fresh stores over a fresh redis-server, disposing of both afterwards. */
async function withRedis(
  test: (server: RedisServer, stores: RedisStores, limiter: RateLimiterAbstract) => Promise<void>,
): Promise<void> {
  const server = await startRedis();
  const client = await connectRedis(server);
  try {
    const stores = redisStores({ client });
    const limiter = stores.throttle.createLimiter({ keyPrefix: "login", points: 5, durationSeconds: 60 });
    await stores.sessions.createSession(makeSession("s1"));
    await test(server, stores, limiter);
  } finally {
    client.disconnect();
    await server.dispose();
  }
}

describe("Redis stores when Redis fails", { skip: requireProgram("redis-server") }, () => {
  it("reject with StoreUnavailableError once Redis is killed, and serve again from the same objects after a restart", { timeout: TEST_TIMEOUT_MS }, () =>
    withRedis(async (server, stores, limiter) => {
      await server.kill();
      await assertEveryMethodUnavailable(stores, limiter);
      await server.restart();
      await assertServingAgain(stores, limiter);
    }));

  it("reject with StoreUnavailableError once Redis shuts down, and serve again after a restart", { timeout: TEST_TIMEOUT_MS }, () =>
    withRedis(async (server, stores, limiter) => {
      await server.stop();
      await assertEveryMethodUnavailable(stores, limiter);
      await server.restart();
      await assertServingAgain(stores, limiter);
    }));

  it("reject with StoreUnavailableError after the command timeout while Redis hangs, instead of hanging", { timeout: TEST_TIMEOUT_MS }, () =>
    withRedis(async (server, stores, limiter) => {
      server.pause();
      try {
        await assertEveryMethodUnavailable(stores, limiter);
      } finally {
        server.resume();
      }
      // The data survived the hang (the server only paused).
      assert.equal((await stores.sessions.getSession("s1"))?.id, "s1");
      await assertServingAgain(stores, limiter);
    }));
});
