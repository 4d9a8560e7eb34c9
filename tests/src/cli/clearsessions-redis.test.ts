import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { recommendedRedisOptions, redisThrottleStore } from "@latchkey/store-redis";
import { requireProgram, startRedis, type RedisServer } from "@latchkey/testkit";
import { Redis } from "ioredis";
import { runLatchkey, tempDir } from "../server/latchkey-process.js";

const LIMIT = 5;
const WINDOW_SECONDS = 3_600;

describe("latchkey clearsessions with redisUrl (Redis)", { skip: requireProgram("redis-server") }, () => {
  let server: RedisServer | undefined;
  const dir = tempDir("latchkey-cli-redis-");
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server?.dispose();
    dir.cleanup();
  });

  it("has no throttle counters to delete, because each one carries Redis's own expiry at its window's end, and leaves live counters throttling", async () => {
    if (server === undefined) throw new Error("Redis did not start");
    const env = { LATCHKEY_REDIS_URL: server.url };
    const migrated = await runLatchkey(["migrate"], { cwd: dir.path, env });
    assert.equal(migrated.code, 0, migrated.stderr);

    const client = new Redis(server.url, { ...recommendedRedisOptions, lazyConnect: true });
    await client.connect();
    try {
      // An attacker used up an account's login attempts, as the rate limiter counts them.
      const throttle = redisThrottleStore({ client });
      for (let i = 0; i < LIMIT; i += 1)
        assert.equal((await throttle.consume("login_account:full", LIMIT, WINDOW_SECONDS)).allowed, true);

      const result = await runLatchkey(["clearsessions"], { cwd: dir.path, env });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "Deleted 0 expired sessions and 0 expired throttle counters.\n");

      const ttl = await client.pttl("latchkey:throttle:login_account:full");
      assert.ok(ttl > 0 && ttl <= WINDOW_SECONDS * 1000, `PTTL ${ttl}: the counter must vanish at its window's end`);
      assert.equal(
        (await throttle.consume("login_account:full", LIMIT, WINDOW_SECONDS)).allowed,
        false,
        "the clean-up must not give the attacker new attempts",
      );
    } finally {
      client.disconnect();
    }
  });
});
