import { createHash } from "node:crypto";
import type { RedisClient } from "./redis-client.js";

/** A Lua script and its SHA-1, for EVALSHA. */
export interface RedisScript {
  readonly source: string;
  readonly sha1: string;
}

function defineScript(source: string): RedisScript {
  return Object.freeze({ source, sha1: createHash("sha1").update(source).digest("hex") });
}

/**
 * Runs `script` on the one key `key` (so on Redis Cluster it runs on that key's node,
 * atomically): EVALSHA first, EVAL when the server does not know the script yet (first use,
 * a restart, a failover, SCRIPT FLUSH), which also loads it for next time.
 */
export async function runScript(
  client: RedisClient,
  script: RedisScript,
  key: string,
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha1, 1, key, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return client.eval(script.source, 1, key, ...args);
  }
}

/**
 * Creates the session hash unless the id exists, and sets its native expiry.
 * KEYS[1]: the session hash. ARGV[1]: TTL (ms); ARGV[2…]: field, value, field, value…
 * Returns `{1, ""}` when created, `{0, ownerUserId}` when the id was taken: a colliding
 * create must never take over someone's session.
 */
export const CREATE_SESSION = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('HGET', KEYS[1], 'userId') or ''}
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {1, ''}
`);

/**
 * Moves an existing session's activity and idle expiry and renews its native expiry.
 * KEYS[1]: the session hash. ARGV: lastSeenAt, expiresAt, now, grace (all ms).
 * Writes nothing when the hash is gone, so a touch racing a revocation can never resurrect the
 * session (a plain HSET would recreate it). Returns `{userId, end}` (end = the earlier of idle
 * and absolute expiry, as a decimal string), or nil when the session is gone.
 */
export const TOUCH_SESSION = defineScript(`
local f = redis.call('HMGET', KEYS[1], 'userId', 'absoluteExpiresAt')
if not f[1] then return false end
redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[1], 'expiresAt', ARGV[2])
local ends = math.min(tonumber(ARGV[2]), tonumber(f[2]))
local ttl = math.max(ends - tonumber(ARGV[3]), 0) + tonumber(ARGV[4])
redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl))
return {f[1], string.format('%d', ends)}
`);

/**
 * Deletes a session. KEYS[1]: the session hash. Returns the owner's user id (so the caller can
 * clean the indexes), or nil when there was no such session.
 */
export const DELETE_SESSION = defineScript(`
local userId = redis.call('HGET', KEYS[1], 'userId')
if userId then redis.call('DEL', KEYS[1]) end
return userId
`);

/**
 * Deletes one session listed in a user's set, checking it really is theirs.
 * KEYS[1]: the session hash. ARGV[1]: the user; ARGV[2]: the kind to delete, or "" for any.
 * Returns 1 deleted, 0 gone, -1 owned by another user (a stale listing), 2 spared (other kind).
 */
export const DELETE_USER_SESSION = defineScript(`
local f = redis.call('HMGET', KEYS[1], 'userId', 'kind')
if not f[1] then return 0 end
if f[1] ~= ARGV[1] then return -1 end
if ARGV[2] ~= '' and f[2] ~= ARGV[2] then return 2 end
redis.call('DEL', KEYS[1])
return 1
`);

/**
 * Deletes a session the by-expiry index says has ended, after checking it really has: a touch
 * may have moved it since. KEYS[1]: the session hash. ARGV[1]: the user the index names;
 * ARGV[2]: now (ms). Returns "deleted", "gone" (expired natively, or never written),
 * "foreign" (the id is another user's session) or, when the session lives on, its real end.
 */
export const PURGE_SESSION = defineScript(`
local f = redis.call('HMGET', KEYS[1], 'userId', 'expiresAt', 'absoluteExpiresAt')
if not f[1] then return 'gone' end
if f[1] ~= ARGV[1] then return 'foreign' end
local ends = math.min(tonumber(f[2]), tonumber(f[3]))
if ends <= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return 'deleted'
end
return string.format('%d', ends)
`);

/**
 * Counts one event on a throttle counter unless its window is full, atomically (a script runs
 * alone on its node). KEYS[1]: the counter. ARGV[1]: limit; ARGV[2]: window (ms). The first
 * count opens the window (PEXPIRE); a counter that somehow lost its expiry gets one rather
 * than blocking forever. Returns `{1, remaining}` when counted, `{0, msUntilTheWindowEnds}`
 * when refused (nothing counted).
 */
export const CONSUME_THROTTLE = defineScript(`
local limit = tonumber(ARGV[1])
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= limit then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return {0, ttl}
end
count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {1, limit - count}
`);

/**
 * Takes back one event from a throttle counter that still exists (DECR keeps its expiry).
 * KEYS[1]: the counter. A gone or zero counter is left alone: a refund never creates one.
 */
export const REFUND_THROTTLE = defineScript(`
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 0
`);
