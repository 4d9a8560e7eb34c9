/**
 * Where the Redis stores keep things. Every name starts with the prefix. Keys that one
 * operation changes atomically carry a hash tag (`{…}`), so on Redis Cluster each such
 * operation touches one slot, which a single-key Lua script requires.
 *
 * | key | type | holds |
 * |---|---|---|
 * | `<p>:{s:<sessionId>}` | string | one session, packed (`session-pack.ts`); native expiry (PEXPIRE) at its end plus a
 * grace period |
 * | `<p>:{ub:<hex>}` | hash | a bucket of user indexes (`user-index.ts`): `<userId length>:<userId><sessionId>` → the
 * session's end when created, in whole seconds (may list gone ones; never misses a live one) |
 * | `<p>:throttle:<key>` | string | a throttle counter: events in the window; native expiry at the window's end |
 *
 * Written by earlier versions and still read, touched and cleaned until those sessions end
 * (nothing writes them any more): `<p>:{u:<userId>}:s` (a hash per user: session id → end in
 * whole seconds), a session key holding a hash (one field per record field),
 * `<p>:{u:<userId>}:sessions` (set of session ids), `<p>:sessions:by-created` (sorted set)
 * and `<p>:sessions:by-expiry` (sorted set of `["<sessionId>","<userId>"]` by end).
 */
export interface RedisKeys {
  session(id: string): string;
  /** A bucket of user indexes (a hash), named by hex digits of SHA-256(userId): see `user-index.ts`. */
  userBucket(hex: string): string;
  /** SCAN pattern matching every bucket under the prefix. */
  readonly userBucketPattern: string;
  /** The user's own index hash of the previous version, read and cleaned only. */
  userIndex(userId: string): string;
  /** SCAN pattern matching every such user index under the prefix. */
  readonly userIndexPattern: string;
  /** SCAN pattern matching every session key under the prefix. */
  readonly sessionPattern: string;
  /** Earlier versions' user set, read and cleaned only. */
  userSessions(userId: string): string;
  readonly sessionsByCreated: string;
  readonly sessionsByExpiry: string;
  throttle(key: string): string;
}

/** `text` matched literally in a SCAN or HSCAN pattern. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/**
 * The key names under `prefix`. A prefix with a brace is refused: it would become (part of) a
 * hash tag and put every key in one slot, or split a session from its own tag.
 */
export function redisKeys(prefix: string): RedisKeys {
  if (prefix === "" || prefix.includes("{") || prefix.includes("}")) {
    throw new Error(`The Redis key prefix must be non-empty and contain no "{" or "}"; got ${JSON.stringify(prefix)}.`);
  }
  return Object.freeze({
    session: (id: string) => `${prefix}:{s:${id}}`,
    userBucket: (hex: string) => `${prefix}:{ub:${hex}}`,
    userBucketPattern: `${globEscape(prefix)}:{ub:*}`,
    userIndex: (userId: string) => `${prefix}:{u:${userId}}:s`,
    userIndexPattern: `${globEscape(prefix)}:{u:*}:s`,
    sessionPattern: `${globEscape(prefix)}:{s:*}`,
    userSessions: (userId: string) => `${prefix}:{u:${userId}}:sessions`,
    sessionsByCreated: `${prefix}:sessions:by-created`,
    sessionsByExpiry: `${prefix}:sessions:by-expiry`,
    throttle: (key: string) => `${prefix}:throttle:${key}`,
  });
}

/** The member of the by-expiry index for a session: its id and user, so a purge can clean the user's set. */
export function expiryMember(sessionId: string, userId: string): string {
  return JSON.stringify([sessionId, userId]);
}

/** The session id and user id in a by-expiry member, or null if the member is not one of ours. */
export function parseExpiryMember(member: string): { sessionId: string; userId: string } | null {
  let value: unknown;
  try {
    value = JSON.parse(member);
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [sessionId, userId]: unknown[] = value;
  return typeof sessionId === "string" && typeof userId === "string" ? { sessionId, userId } : null;
}
