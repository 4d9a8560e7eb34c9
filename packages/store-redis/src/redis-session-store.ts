import { systemClock, type Clock, type SessionKind, type SessionRecord, type SessionStore } from "@latchkey/core";
import { redisKeys } from "./keys.js";
import { legacyIndexes } from "./legacy-indexes.js";
import type { RedisClient } from "./redis-client.js";
import {
  CREATE_SESSION,
  DELETE_SESSION,
  DELETE_USER_SESSION,
  INDEX_SESSION,
  PURGE_SESSION,
  runScript,
  TOUCH_SESSION,
} from "./scripts.js";
import { scanKeys } from "./redis-scan.js";
import { newestFirst, sessionFromHash } from "./session-hash.js";
import { packSession, unpackSession } from "./session-pack.js";
import { toStoreError } from "./store-error.js";
import { BUCKET_FILL, bucketEntries, indexField, userBuckets, type IndexEntry } from "./user-index.js";

/** Options of {@link redisSessionStore}. */
export interface RedisSessionStoreOptions {
  /**
   * A connected ioredis `Redis` or `Cluster`, ideally built with
   * {@link recommendedRedisOptions} / {@link recommendedClusterOptions} so an outage fails fast.
   * The caller owns it: the store never closes it.
   */
  client: RedisClient;
  /**
   * Start of every key name, to share one Redis between applications. No `{` or `}`.
   * @default "latchkey"
   */
  keyPrefix?: string;
  /**
   * The clock native expiry is computed from; give it the clock core uses.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * How long Redis keeps a session past its end before dropping it by itself. Seconds.
   * Core checks expiry on every read, so an ended session is refused either way; the margin
   * only absorbs clock differences between app servers, so no server loses a session it still
   * considers valid. `deleteExpiredSessions` removes ended sessions without waiting for it.
   * @default 300
   */
  expiryGraceSeconds?: number;
}

function isCreateReply(reply: unknown): reply is [number, string] {
  return Array.isArray(reply) && reply.length === 2 && typeof reply[0] === "number" && typeof reply[1] === "string";
}

function isDeleteReply(reply: unknown): reply is [string, "packed" | "hash"] {
  return (
    Array.isArray(reply) &&
    reply.length === 2 &&
    typeof reply[0] === "string" &&
    (reply[1] === "packed" || reply[1] === "hash")
  );
}

/** True for the error Redis answers a GET on a key holding a hash (a session of an earlier version). */
function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("WRONGTYPE");
}

function isTouchReply(reply: unknown): reply is [string, string] {
  return Array.isArray(reply) && reply.length === 2 && typeof reply[0] === "string" && typeof reply[1] === "string";
}

function unexpectedReply(script: string, reply: unknown): Error {
  return new Error(`Unexpected reply from the ${script} script: ${JSON.stringify(reply)}`);
}

/**
 * A {@link SessionStore} in Redis or Redis Cluster (key layout: see `keys.ts`). Each session
 * is one string holding a packed value (`session-pack.ts`, about 290 bytes of Redis memory
 * a session with its index entry) that Redis expires by itself shortly after the session
 * ends; buckets of user indexes (`user-index.ts`: small hashes shared by many users, so a
 * user needs no key of their own) serve "your devices" and "log out everywhere". Reading a session
 * (every authenticated request) is one GET. The admin listing and the purge SCAN (rare
 * operations), so no global index costs memory per session. Sessions an earlier version
 * wrote as hashes, with their sets and sorted sets, and the per-user index hashes of the
 * previous version are still read, touched, listed, deleted and purged until they end.
 *
 * Cluster safety: a session's key and its user's buckets live in different slots, so no
 * operation needs both atomically. Every write to a session is a single-key Lua script
 * (atomic on its node); the index is written *before* a session is created and cleaned
 * *after* it is deleted, so an index may briefly list a missing session (skipped, and purged
 * later) but never misses a live one: "log out everywhere" always finds every session.
 */
export function redisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  const { client } = options;
  const keys = redisKeys(options.keyPrefix ?? "latchkey");
  const clock = options.clock ?? systemClock;
  const graceSeconds = options.expiryGraceSeconds ?? 300;
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) {
    throw new Error(`expiryGraceSeconds must be a finite number ≥ 0; got ${graceSeconds}.`);
  }
  const graceMs = Math.round(graceSeconds * 1000);
  const legacy = legacyIndexes(client, keys);
  const ttlMs = (ends: number): number => Math.max(Math.ceil(ends - clock.now()), 0) + graceMs;

  /** Runs a store operation, turning an outage into StoreUnavailableError("session"). */
  async function guarded<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toStoreError("session", error);
    }
  }

  /** One session, packed or (written by an earlier version) a hash; null when there is none. */
  async function read(id: string): Promise<SessionRecord | null> {
    const key = keys.session(id);
    try {
      const value = await client.getBuffer(key);
      return value === null ? null : unpackSession(id, value);
    } catch (error) {
      if (!isWrongType(error)) throw error;
      return sessionFromHash(id, await client.hgetall(key));
    }
  }

  /** The sessions with these ids that exist (and, with `userId`, belong to that user), in id order. */
  async function load(ids: readonly string[], userId?: string): Promise<SessionRecord[]> {
    const sessions = await Promise.all(ids.map((id) => read(id)));
    return sessions.filter(
      (session): session is SessionRecord => session !== null && (userId === undefined || session.userId === userId),
    );
  }

  /**
   * The ids a user's index lists: their entries in their bucket on every level, and the
   * user's own hash and set of earlier versions.
   */
  async function listedIds(userId: string): Promise<string[]> {
    const [bucketed, indexed, legacy] = await Promise.all([
      Promise.all(userBuckets(keys, userId).map((bucket) => bucketEntries(client, bucket, userId))),
      client.hkeys(keys.userIndex(userId)),
      client.smembers(keys.userSessions(userId)),
    ]);
    return [...new Set([...bucketed.flat().map((entry) => entry.sessionId), ...indexed, ...legacy])];
  }

  /**
   * Lists a new session in the first of its user's buckets with room (the last level takes it
   * regardless); resolves to that bucket.
   */
  async function listInBucket(userId: string, sessionId: string, end: string): Promise<string> {
    const buckets = userBuckets(keys, userId);
    const field = indexField(userId, sessionId);
    for (const [level, bucket] of buckets.entries()) {
      const fill = level === buckets.length - 1 ? 0 : BUCKET_FILL;
      const reply = await runScript(client, INDEX_SESSION, bucket, [field, end, fill]);
      if (reply === 1) return bucket;
      if (reply !== 0) throw unexpectedReply("index", reply);
    }
    throw unexpectedReply("index", 0);
  }

  /** Removes these sessions of the user from every index that may list them (bucket or user hash). */
  async function unlist(userId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const fields = ids.map((id) => indexField(userId, id));
    await Promise.all([
      ...userBuckets(keys, userId).map((bucket) => client.hdel(bucket, ...fields)),
      client.hdel(keys.userIndex(userId), ...ids),
    ]);
  }

  /**
   * Purges the sessions one index (a bucket, or a user's hash of the previous version) lists:
   * each that has ended (by its own record: a touch may have moved its end either way) is
   * deleted and its entry removed. An entry whose
   * session is gone is removed only once the end it was created with has passed: before that
   * its create may still be in flight, and dropping the entry would hide that session from
   * the next "log out everywhere". Resolves to how many entries this call removed, so two
   * racing purges count each session once (HDEL answers 1 to one of them).
   */
  async function purgeIndex(indexKey: string, entries: readonly IndexEntry[], now: number): Promise<number> {
    const counts = await Promise.all(
      entries.map(async ({ field, userId, sessionId, end }) => {
        const outcome = await runScript(client, PURGE_SESSION, keys.session(sessionId), [userId, now]);
        const due = !(Number(end) * 1000 > now);
        if (outcome === "deleted" || (outcome === "gone" && due)) return client.hdel(indexKey, field);
        // The id is another user's session (a refused duplicate left this entry): drop only our listing.
        if (outcome === "foreign") return client.hdel(indexKey, field).then(() => 0);
        if (outcome === "gone" || (typeof outcome === "string" && /^-?\d+$/.test(outcome))) return 0;
        throw unexpectedReply("purge", outcome);
      }),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** The user id in a user index key found by SCAN. */
  const indexPrefix = keys.userIndex("").slice(0, -"}:s".length);
  const userOfIndex = (key: string): string => key.slice(indexPrefix.length, -"}:s".length);
  /** The session id in a session key found by SCAN. */
  const sessionPrefix = keys.session("").slice(0, -1);
  const idOfSessionKey = (key: string): string => key.slice(sessionPrefix.length, -1);

  return {
    getSession: (id) => guarded(() => read(id)),

    createSession: (session) =>
      guarded(async () => {
        const ends = Math.min(session.expiresAt, session.absoluteExpiresAt);
        // Index first: if we die before the session is written, the index lists a missing
        // session (harmless, purged after its end) instead of a live session being missing
        // from its user's index, where "log out everywhere" could not find it. The entry holds
        // the end in whole seconds, rounded down so the purge never looks too late.
        const bucket = await listInBucket(session.userId, session.id, String(Math.floor(ends / 1000)));
        const reply = await runScript(client, CREATE_SESSION, keys.session(session.id), [
          ttlMs(ends),
          packSession(session),
        ]);
        if (!isCreateReply(reply)) throw unexpectedReply("create", reply);
        const [created, owner] = reply;
        if (created === 1) return;
        if (owner !== session.userId) await client.hdel(bucket, indexField(session.userId, session.id));
        throw new Error(`A session with id "${session.id}" already exists.`);
      }),

    updateSessionExpiration: (id, lastSeenAt, expiresAt) =>
      guarded(async () => {
        const reply = await runScript(client, TOUCH_SESSION, keys.session(id), [
          lastSeenAt,
          expiresAt,
          clock.now(),
          graceMs,
        ]);
        if (reply === null || reply === 1) return;
        if (!isTouchReply(reply)) throw unexpectedReply("touch", reply);
        // A session of an earlier version: keep its by-expiry entry in step.
        const [userId, ends] = reply;
        await legacy.touched(id, userId, Number(ends));
      }),

    deleteSession: (id) =>
      guarded(async () => {
        const reply = await runScript(client, DELETE_SESSION, keys.session(id), []);
        if (reply === null) return;
        if (!isDeleteReply(reply)) throw unexpectedReply("delete", reply);
        const [owner, layout] = reply;
        await (layout === "packed" ? unlist(owner, [id]) : legacy.unindex(id, owner));
      }),

    deleteUserSessions: (userId: string, options: { kind?: SessionKind; exceptId?: string } = {}) =>
      guarded(async () => {
        const ids = (await listedIds(userId)).filter((id) => id !== options.exceptId);
        const outcomes = await Promise.all(
          ids.map((id) => runScript(client, DELETE_USER_SESSION, keys.session(id), [userId, options.kind ?? ""])),
        );
        const deleted = ids.filter((_, i) => outcomes[i] === 1);
        const foreign = ids.filter((_, i) => outcomes[i] === -1);
        // A listed id whose hash is gone stays listed: its create may still be in flight, and
        // dropping it would hide that session from the next "log out everywhere". The purge
        // removes it once its end has passed.
        await Promise.all([unlist(userId, [...deleted, ...foreign]), legacy.unlist(userId, deleted, foreign)]);
        return deleted.length;
      }),

    listUserSessions: (userId) => guarded(async () => (await load(await listedIds(userId), userId)).sort(newestFirst)),

    listSessions: (options) =>
      guarded(async () => {
        // No global index (it would cost about 140 bytes a session): the admin listing SCANs
        // the session keys on every master. It is rare and never on a request's path.
        const cap = Math.max(0, Math.floor(options.limit));
        if (cap === 0) return [];
        const ids = (await scanKeys(client, keys.sessionPattern)).map(idOfSessionKey);
        const found: SessionRecord[] = [];
        for (let i = 0; i < ids.length; i += 500) found.push(...(await load(ids.slice(i, i + 500))));
        return found.sort(newestFirst).slice(0, cap);
      }),

    deleteExpiredSessions: (now) =>
      guarded(async () => {
        // Redis drops ended sessions by itself; this removes them at once and cleans the
        // buckets of user indexes, found by SCAN.
        let removed = 0;
        for (const bucket of await scanKeys(client, keys.userBucketPattern)) {
          removed += await purgeIndex(bucket, await bucketEntries(client, bucket), now);
        }
        // The users' own index hashes of the previous version.
        for (const indexKey of await scanKeys(client, keys.userIndexPattern)) {
          const userId = userOfIndex(indexKey);
          const entries = Object.entries(await client.hgetall(indexKey)).map(([id, end]) => ({
            field: id,
            userId,
            sessionId: id,
            end,
          }));
          removed += await purgeIndex(indexKey, entries, now);
        }
        // Sessions of an earlier version, through their by-expiry index.
        return removed + (await legacy.purgeDue(now));
      }),
  };
}
