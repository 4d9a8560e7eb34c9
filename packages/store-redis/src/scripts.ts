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
  args: readonly (string | number | Buffer)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha1, 1, key, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return client.eval(script.source, 1, key, ...args);
  }
}

/**
 * Lua helpers shared by the session scripts: a session key holds either the packed string of
 * `session-pack.ts` (layout v2, times as 48-bit integers, or v1, times as doubles) or, written
 * by an earlier version, a hash (still read, touched and deleted in place until it ends).
 * `packed(v)` returns userId, flags, expiresAt, absoluteExpiresAt.
 */
const SESSION_LUA = `
local function packed(v)
  if string.byte(v, 1) == 2 then
    local _, flags, expiresAt, absoluteExpiresAt, _, _, n = struct.unpack('>BBI6I6I6I6H', v)
    return string.sub(v, 29, 28 + n), flags, expiresAt, absoluteExpiresAt
  end
  local _, flags, expiresAt, absoluteExpiresAt, _, _, n = struct.unpack('>BBddddH', v)
  return string.sub(v, 37, 36 + n), flags, expiresAt, absoluteExpiresAt
end
local kind = redis.call('TYPE', KEYS[1]).ok
`;

/**
 * Creates the session unless the id exists, and sets its native expiry.
 * KEYS[1]: the session key. ARGV[1]: TTL (ms); ARGV[2]: the packed value.
 * Returns `{1, ""}` when created, `{0, ownerUserId}` when the id was taken: a colliding
 * create must never take over someone's session.
 */
export const CREATE_SESSION = defineScript(`${SESSION_LUA}
if kind == 'string' then return {0, (packed(redis.call('GET', KEYS[1])))} end
if kind ~= 'none' then return {0, redis.call('HGET', KEYS[1], 'userId') or ''} end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {1, ''}
`);

/**
 * Moves an existing session's activity and idle expiry and renews its native expiry.
 * KEYS[1]: the session key. ARGV: lastSeenAt, expiresAt, now, grace (all ms).
 * Writes nothing when the key is gone, so a touch racing a revocation can never resurrect the
 * session (a plain SET would recreate it); SETRANGE rewrites the two times in place (a v2 value
 * whose new times are not whole ms in its 48-bit range is first rewritten as v1; the SET drops
 * the key's expiry, which the PEXPIRE below sets again in the same script). Returns
 * 1 for a packed session, `{userId, end}` for a hash (end = the earlier of idle and absolute
 * expiry, as a decimal string, for its by-expiry entry), or nil when the session is gone.
 */
export const TOUCH_SESSION = defineScript(`${SESSION_LUA}
local absolute
local userId
if kind == 'string' then
  local v = redis.call('GET', KEYS[1])
  local _, _, _, a = packed(v)
  absolute = a
  local lastSeenAt, expiresAt = tonumber(ARGV[1]), tonumber(ARGV[2])
  local function narrow(t) return t >= 0 and t <= 281474976710655 and t == math.floor(t) end
  if string.byte(v, 1) == 2 and not (narrow(lastSeenAt) and narrow(expiresAt)) then
    local _, flags, e, a2, l, c = struct.unpack('>BBI6I6I6I6', v)
    v = struct.pack('>BBdddd', 1, flags, e, a2, l, c) .. string.sub(v, 27)
    redis.call('SET', KEYS[1], v)
  end
  if string.byte(v, 1) == 2 then
    redis.call('SETRANGE', KEYS[1], 2, struct.pack('>I6', expiresAt))
    redis.call('SETRANGE', KEYS[1], 14, struct.pack('>I6', lastSeenAt))
  else
    redis.call('SETRANGE', KEYS[1], 2, struct.pack('>d', expiresAt))
    redis.call('SETRANGE', KEYS[1], 18, struct.pack('>d', lastSeenAt))
  end
elseif kind == 'hash' then
  local f = redis.call('HMGET', KEYS[1], 'userId', 'absoluteExpiresAt')
  if not f[1] then return false end
  userId = f[1]
  absolute = tonumber(f[2])
  redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[1], 'expiresAt', ARGV[2])
else
  return false
end
local ends = math.min(tonumber(ARGV[2]), absolute)
local ttl = math.max(ends - tonumber(ARGV[3]), 0) + tonumber(ARGV[4])
redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl))
if userId then return {userId, string.format('%d', ends)} end
return 1
`);

/**
 * Deletes a session. KEYS[1]: the session key. Returns `{ownerUserId, "packed" | "hash"}` (so
 * the caller can clean that layout's indexes), or nil when there was no such session.
 */
export const DELETE_SESSION = defineScript(`${SESSION_LUA}
local userId
if kind == 'string' then userId = packed(redis.call('GET', KEYS[1]))
elseif kind == 'hash' then userId = redis.call('HGET', KEYS[1], 'userId') end
if not userId then return false end
redis.call('DEL', KEYS[1])
if kind == 'string' then return {userId, 'packed'} end
return {userId, 'hash'}
`);

/**
 * Deletes one session listed in a user's index, checking it really is theirs.
 * KEYS[1]: the session key. ARGV[1]: the user; ARGV[2]: the kind to delete, or "" for any.
 * Returns 1 deleted, 0 gone, -1 owned by another user (a stale listing), 2 spared (other kind).
 */
export const DELETE_USER_SESSION = defineScript(`${SESSION_LUA}
local userId, sessionKind
if kind == 'string' then
  local u, flags = packed(redis.call('GET', KEYS[1]))
  userId = u
  sessionKind = 'cookie'
  if bit.band(flags, 1) == 1 then sessionKind = 'bearer' end
elseif kind == 'hash' then
  local f = redis.call('HMGET', KEYS[1], 'userId', 'kind')
  userId = f[1]
  sessionKind = f[2]
end
if not userId then return 0 end
if userId ~= ARGV[1] then return -1 end
if ARGV[2] ~= '' and sessionKind ~= ARGV[2] then return 2 end
redis.call('DEL', KEYS[1])
return 1
`);

/**
 * Deletes a session an index says has ended, after checking it really has: a touch may have
 * moved it since. KEYS[1]: the session key. ARGV[1]: the user the index names; ARGV[2]: now
 * (ms). Returns "deleted", "gone" (expired natively, or never written), "foreign" (the id is
 * another user's session) or, when the session lives on, its real end.
 */
export const PURGE_SESSION = defineScript(`${SESSION_LUA}
local userId, expiresAt, absoluteExpiresAt
if kind == 'string' then
  local u, _, e, a = packed(redis.call('GET', KEYS[1]))
  userId = u
  expiresAt = e
  absoluteExpiresAt = a
elseif kind == 'hash' then
  local f = redis.call('HMGET', KEYS[1], 'userId', 'expiresAt', 'absoluteExpiresAt')
  userId = f[1]
  expiresAt = tonumber(f[2])
  absoluteExpiresAt = tonumber(f[3])
end
if not userId then return 'gone' end
if userId ~= ARGV[1] then return 'foreign' end
local ends = math.min(expiresAt, absoluteExpiresAt)
if ends <= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return 'deleted'
end
return string.format('%d', ends)
`);

/**
 * Lists a session in a bucket of user indexes (`user-index.ts`) if the bucket has room.
 * KEYS[1]: the bucket. ARGV[1]: the field; ARGV[2]: the value; ARGV[3]: how many entries the
 * bucket may hold, 0 for no limit. Returns 1 when listed, 0 when the bucket is full. Checking
 * and writing in one script keeps racing logins from overfilling a bucket past the limit.
 */
export const INDEX_SESSION = defineScript(`
local fill = tonumber(ARGV[3])
if fill > 0 and redis.call('HLEN', KEYS[1]) >= fill and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
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
