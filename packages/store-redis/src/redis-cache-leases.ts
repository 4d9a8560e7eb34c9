import { createHash } from "node:crypto";
import type { CacheLeaseStore } from "@latchkey/core";
import type { RedisClient } from "./redis-client.js";

/**
 * Where the leases live, all under one hash tag so each script below runs on one node:
 *
 * | key | type | holds |
 * |---|---|---|
 * | `<p>:{cache}:lease:<processId>` | string | one process's lease; native expiry (PX) at its end |
 * | `<p>:{cache}:leases` | set | process ids that held a lease (pruned of expired ones by every read) |
 * | `<p>:{cache}:revocations` | string | the revocation counter (INCR) |
 */
function cacheKeys(prefix: string): { leasePrefix: string; members: string; counter: string } {
  return {
    leasePrefix: `${prefix}:{cache}:lease:`,
    members: `${prefix}:{cache}:leases`,
    counter: `${prefix}:{cache}:revocations`,
  };
}

// Each script is atomic: Redis runs nothing else meanwhile. That is the ordering the
// CacheLeaseStore contract asks for: a renewal runs wholly before or wholly after an increment.
const RENEW = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return tonumber(redis.call('GET', KEYS[3]) or '0')
`;
const LIVE = `
local counter = 0
if ARGV[2] == '1' then counter = redis.call('INCR', KEYS[2]) end
local live = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. id) == 1 then table.insert(live, id) else redis.call('SREM', KEYS[1], id) end
end
return {counter, live}
`;
const RELEASE = `
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`;

const sha1 = (source: string): string => createHash("sha1").update(source).digest("hex");
const SCRIPTS = { renew: RENEW, live: LIVE, release: RELEASE } as const;
const SHAS = { renew: sha1(RENEW), live: sha1(LIVE), release: sha1(RELEASE) } as const;

async function run(
  client: RedisClient,
  name: keyof typeof SCRIPTS,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(SHAS[name], keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return client.eval(SCRIPTS[name], keys.length, ...keys, ...args);
  }
}

function liveReply(reply: unknown): { counter: number; leases: string[] } {
  if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[0] !== "number" || !Array.isArray(reply[1])) {
    throw new Error("unexpected reply from the lease script");
  }
  return { counter: reply[0], leases: reply[1].map(String) };
}

/**
 * The session cache's leases and revocation counter in Redis (see {@link CacheLeaseStore}).
 * Lease ends are Redis's own key expiry, so they follow the Redis server's clock.
 */
export function redisCacheLeases(client: RedisClient, prefix: string): CacheLeaseStore {
  const keys = cacheKeys(prefix);
  return Object.freeze({
    async renew(processId: string, periodMs: number): Promise<number> {
      const reply = await run(
        client,
        "renew",
        [keys.leasePrefix + processId, keys.members, keys.counter],
        [processId, periodMs],
      );
      if (typeof reply !== "number") throw new Error("unexpected reply from the lease renewal");
      return reply;
    },
    async recordRevocation(): Promise<{ counter: number; leases: string[] }> {
      return liveReply(await run(client, "live", [keys.members, keys.counter], [keys.leasePrefix, "1"]));
    },
    async liveLeases(): Promise<string[]> {
      return liveReply(await run(client, "live", [keys.members, keys.counter], [keys.leasePrefix, "0"])).leases;
    },
    async release(processId: string): Promise<void> {
      await run(client, "release", [keys.leasePrefix + processId, keys.members], [processId]);
    },
  });
}
