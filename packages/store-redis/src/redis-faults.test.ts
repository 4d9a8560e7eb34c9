import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertEveryMethodUnavailable, assertServingAgain, liveSession } from "@latchkey/store-contract";
import { requireProgram, startRedis, waitUntil, type RedisServer } from "@latchkey/testkit";
import type { ThrottleStore } from "@latchkey/core";
import { redisStores, type RedisStores } from "./redis-stores.js";
import { connectRedis } from "./redis-subject.test.helper.js";

/** A hang must end in a rejection well within this; the client's command timeout is 1 s. */
const TEST_TIMEOUT_MS = 30_000;

/** Waits (bounded) until the client has reconnected, then checks the same store objects serve again. */
async function assertReconnected(stores: RedisStores, limiter: ThrottleStore): Promise<void> {
  await waitUntil(
    "the Redis stores to reconnect",
    () =>
      stores.sessions.getSession("probe").then(
        () => true,
        () => false,
      ),
    { timeoutMs: 15_000, intervalMs: 50 },
  );
  await assertServingAgain(stores, limiter);
}

/** Runs `test` against fresh stores over a fresh redis-server, disposing of both afterwards. */
async function withRedis(
  test: (server: RedisServer, stores: RedisStores, limiter: ThrottleStore) => Promise<void>,
): Promise<void> {
  const server = await startRedis();
  const client = await connectRedis(server);
  try {
    const stores = redisStores({ client });
    const limiter = stores.throttle;
    await stores.sessions.createSession(liveSession("s1"));
    await test(server, stores, limiter);
  } finally {
    client.disconnect();
    await server.dispose();
  }
}

describe("Redis stores when Redis fails", { skip: requireProgram("redis-server") }, () => {
  it(
    "reject with StoreUnavailableError once Redis is killed, and serve again from the same objects after a restart",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withRedis(async (server, stores, limiter) => {
        await server.kill();
        await assertEveryMethodUnavailable(stores, limiter);
        await server.restart();
        await assertReconnected(stores, limiter);
      }),
  );

  it(
    "reject with StoreUnavailableError once Redis shuts down, and serve again after a restart",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withRedis(async (server, stores, limiter) => {
        await server.stop();
        await assertEveryMethodUnavailable(stores, limiter);
        await server.restart();
        await assertReconnected(stores, limiter);
      }),
  );

  it(
    "reject with StoreUnavailableError after the command timeout while Redis hangs, instead of hanging",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withRedis(async (server, stores, limiter) => {
        server.pause();
        try {
          await assertEveryMethodUnavailable(stores, limiter);
        } finally {
          server.resume();
        }
        // The data survived the hang (the server only paused).
        assert.equal((await stores.sessions.getSession("s1"))?.id, "s1");
        await assertReconnected(stores, limiter);
      }),
  );
});
