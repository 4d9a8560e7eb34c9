import { systemClock, type Clock, type SessionKind, type SessionRecord, type SessionStore } from "@latchkey/core";
import { expiryMember, parseExpiryMember, redisKeys } from "./keys.js";
import type { RedisClient } from "./redis-client.js";
import {
  CREATE_SESSION,
  DELETE_SESSION,
  DELETE_USER_SESSION,
  PURGE_SESSION,
  runScript,
  TOUCH_SESSION,
} from "./scripts.js";
import { newestFirst, sessionFields, sessionFromHash } from "./session-hash.js";
import { toStoreError } from "./store-error.js";

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

/** How many due index entries a purge handles per round trip. */
const PURGE_BATCH = 500;

function isCreateReply(reply: unknown): reply is [number, string] {
  return Array.isArray(reply) && reply.length === 2 && typeof reply[0] === "number" && typeof reply[1] === "string";
}

function isTouchReply(reply: unknown): reply is [string, string] {
  return Array.isArray(reply) && reply.length === 2 && typeof reply[0] === "string" && typeof reply[1] === "string";
}

function unexpectedReply(script: string, reply: unknown): Error {
  return new Error(`Unexpected reply from the ${script} script: ${JSON.stringify(reply)}`);
}

/**
 * A {@link SessionStore} in Redis or Redis Cluster (key layout: see `keys.ts`). Each session
 * is one hash that Redis expires by itself shortly after the session ends; per-user sets
 * serve "your devices" and "log out everywhere"; two global sorted sets serve the admin
 * listing and the purge. Reading a session (every authenticated request) is one HGETALL.
 *
 * Cluster safety: a session's hash and its user's set live in different slots, so no
 * operation needs both atomically. Every write to a session is a single-key Lua script
 * (atomic on its node); indexes are written *before* a session is created and cleaned
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
  const ttlMs = (ends: number): number => Math.max(Math.ceil(ends - clock.now()), 0) + graceMs;

  /** Runs a store operation, turning an outage into StoreUnavailableError("session"). */
  async function guarded<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toStoreError("session", error);
    }
  }

  /** The sessions with these ids that exist (and, with `userId`, belong to that user), in id order. */
  async function load(ids: readonly string[], userId?: string): Promise<SessionRecord[]> {
    const hashes = await Promise.all(ids.map((id) => client.hgetall(keys.session(id))));
    const found: SessionRecord[] = [];
    ids.forEach((id, i) => {
      const session = sessionFromHash(id, hashes[i] ?? {});
      if (session !== null && (userId === undefined || session.userId === userId)) found.push(session);
    });
    return found;
  }

  /** Removes one ended or deleted session's index entries; resolves to 1 if this call removed its by-expiry entry. */
  async function unindex(sessionId: string, userId: string): Promise<number> {
    const [removed] = await Promise.all([
      client.zrem(keys.sessionsByExpiry, expiryMember(sessionId, userId)),
      client.srem(keys.userSessions(userId), sessionId),
      client.zrem(keys.sessionsByCreated, sessionId),
    ]);
    return removed;
  }

  /** Handles one due by-expiry entry; resolves to how many index entries it counts as removed. */
  async function purgeEntry(member: string, now: number): Promise<number> {
    const entry = parseExpiryMember(member);
    if (entry === null) {
      await client.zrem(keys.sessionsByExpiry, member);
      return 0;
    }
    const outcome = await runScript(client, PURGE_SESSION, keys.session(entry.sessionId), [entry.userId, now]);
    if (outcome === "deleted" || outcome === "gone") return unindex(entry.sessionId, entry.userId);
    if (outcome === "foreign") {
      // The id is another user's session (a refused duplicate left this entry): drop only our listing.
      await Promise.all([
        client.zrem(keys.sessionsByExpiry, member),
        client.srem(keys.userSessions(entry.userId), entry.sessionId),
      ]);
      return 0;
    }
    if (typeof outcome === "string" && /^-?\d+$/.test(outcome)) {
      // A touch moved the session past `now` after its index entry was read: file it under its real end.
      await client.zadd(keys.sessionsByExpiry, "XX", Number(outcome), member);
      return 0;
    }
    throw unexpectedReply("purge", outcome);
  }

  return {
    getSession: (id) => guarded(async () => sessionFromHash(id, await client.hgetall(keys.session(id)))),

    createSession: (session) =>
      guarded(async () => {
        const ends = Math.min(session.expiresAt, session.absoluteExpiresAt);
        const member = expiryMember(session.id, session.userId);
        // Index first: if we die before the hash is written, an index lists a missing session
        // (harmless) instead of a live session being missing from its user's set, where
        // "log out everywhere" could not find it.
        await Promise.all([
          client.sadd(keys.userSessions(session.userId), session.id),
          client.zadd(keys.sessionsByCreated, "NX", session.createdAt, session.id),
          client.zadd(keys.sessionsByExpiry, "NX", ends, member),
        ]);
        const reply = await runScript(client, CREATE_SESSION, keys.session(session.id), [
          ttlMs(ends),
          ...sessionFields(session),
        ]);
        if (!isCreateReply(reply)) throw unexpectedReply("create", reply);
        const [created, owner] = reply;
        if (created === 1) return;
        if (owner !== session.userId) {
          await Promise.all([
            client.srem(keys.userSessions(session.userId), session.id),
            client.zrem(keys.sessionsByExpiry, member),
          ]);
        }
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
        if (reply === null) return;
        if (!isTouchReply(reply)) throw unexpectedReply("touch", reply);
        const [userId, ends] = reply;
        // XX: only re-score an existing entry, so a delete that already cleaned it stays clean.
        await client.zadd(keys.sessionsByExpiry, "XX", Number(ends), expiryMember(id, userId));
      }),

    deleteSession: (id) =>
      guarded(async () => {
        const owner = await runScript(client, DELETE_SESSION, keys.session(id), []);
        if (typeof owner === "string") await unindex(id, owner);
      }),

    deleteUserSessions: (userId: string, options: { kind?: SessionKind; exceptId?: string } = {}) =>
      guarded(async () => {
        const setKey = keys.userSessions(userId);
        const ids = (await client.smembers(setKey)).filter((id) => id !== options.exceptId);
        const outcomes = await Promise.all(
          ids.map((id) => runScript(client, DELETE_USER_SESSION, keys.session(id), [userId, options.kind ?? ""])),
        );
        const deleted = ids.filter((_, i) => outcomes[i] === 1);
        const foreign = ids.filter((_, i) => outcomes[i] === -1);
        // A listed id whose hash is gone stays listed: its create may still be in flight, and
        // dropping it would hide that session from the next "log out everywhere". The purge
        // removes it once its end has passed.
        const cleanups: Promise<number>[] = [];
        if (deleted.length + foreign.length > 0) cleanups.push(client.srem(setKey, ...deleted, ...foreign));
        if (deleted.length > 0) {
          cleanups.push(client.zrem(keys.sessionsByCreated, ...deleted));
          cleanups.push(client.zrem(keys.sessionsByExpiry, ...deleted.map((id) => expiryMember(id, userId))));
        }
        await Promise.all(cleanups);
        return deleted.length;
      }),

    listUserSessions: (userId) =>
      guarded(async () => (await load(await client.smembers(keys.userSessions(userId)), userId)).sort(newestFirst)),

    listSessions: (options) =>
      guarded(async () => {
        // The by-created index is one sorted set (one key, one node): adding to it costs a
        // ZADD per login, and in exchange the listing reads ranks in order instead of
        // SCANning every node and sorting every session. Entries of ended sessions are
        // skipped here and removed by the purge.
        const cap = Math.max(0, Math.floor(options.limit));
        const batch = Math.min(Math.max(cap, 50), 1_000);
        const found: SessionRecord[] = [];
        const seen = new Set<string>();
        for (let start = 0; found.length < cap; start += batch) {
          const ids = await client.zrevrange(keys.sessionsByCreated, start, start + batch - 1);
          const fresh = ids.filter((id) => !seen.has(id));
          for (const id of fresh) seen.add(id);
          for (const session of await load(fresh)) {
            if (found.length < cap) found.push(session);
          }
          if (ids.length < batch) break;
        }
        return found.sort(newestFirst);
      }),

    deleteExpiredSessions: (now) =>
      guarded(async () => {
        let removed = 0;
        for (;;) {
          const due = await client.zrangebyscore(keys.sessionsByExpiry, "-inf", now, "LIMIT", 0, PURGE_BATCH);
          const counts = await Promise.all(due.map((member) => purgeEntry(member, now)));
          removed += counts.reduce((sum, n) => sum + n, 0);
          // Every entry handled above left the due range (removed, or re-filed after `now`).
          if (due.length < PURGE_BATCH) return removed;
        }
      }),
  };
}
