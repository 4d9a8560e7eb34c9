import { expiryMember, parseExpiryMember, type RedisKeys } from "./keys.js";
import type { RedisClient } from "./redis-client.js";
import { PURGE_SESSION, runScript } from "./scripts.js";

/** How many due index entries a purge handles per round trip. */
const PURGE_BATCH = 500;

/**
 * The indexes of the sessions an earlier version stored as hashes (the user's set and two
 * sorted sets, see `keys.ts`): nothing writes them any more; they are kept in step with a
 * touch and cleaned on delete and purge until those sessions end.
 */
export interface LegacyIndexes {
  /** Removes one ended or deleted hash session's entries; resolves to 1 if this call removed its by-expiry entry. */
  unindex(sessionId: string, userId: string): Promise<number>;
  /** Removes the user's sessions a "log out everywhere" deleted, and the listings of ids that are not theirs. */
  unlist(userId: string, deleted: readonly string[], foreign: readonly string[]): Promise<void>;
  /** Moves a touched hash session's by-expiry entry to its new end (ms), if it still has one. */
  touched(sessionId: string, userId: string, ends: number): Promise<void>;
  /** Purges the ended hash sessions through the by-expiry index; resolves to how many it removed. */
  purgeDue(now: number): Promise<number>;
}

/** The {@link LegacyIndexes} under `keys`. */
export function legacyIndexes(client: RedisClient, keys: RedisKeys): LegacyIndexes {
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
    throw new Error(`Unexpected reply from the purge script: ${JSON.stringify(outcome)}`);
  }

  return {
    unindex,
    unlist: async (userId, deleted, foreign) => {
      const cleanups: Promise<number>[] = [];
      if (deleted.length + foreign.length > 0)
        cleanups.push(client.srem(keys.userSessions(userId), ...deleted, ...foreign));
      if (deleted.length > 0) {
        cleanups.push(client.zrem(keys.sessionsByCreated, ...deleted));
        cleanups.push(client.zrem(keys.sessionsByExpiry, ...deleted.map((id) => expiryMember(id, userId))));
      }
      await Promise.all(cleanups);
    },
    touched: async (sessionId, userId, ends) => {
      // XX: only re-score an existing entry, so a delete that already cleaned it stays clean.
      await client.zadd(keys.sessionsByExpiry, "XX", ends, expiryMember(sessionId, userId));
    },
    purgeDue: async (now) => {
      let removed = 0;
      for (;;) {
        const due = await client.zrangebyscore(keys.sessionsByExpiry, "-inf", now, "LIMIT", 0, PURGE_BATCH);
        const counts = await Promise.all(due.map((member) => purgeEntry(member, now)));
        removed += counts.reduce((sum, n) => sum + n, 0);
        // Every entry handled above left the due range (removed, or re-filed after `now`).
        if (due.length < PURGE_BATCH) return removed;
      }
    },
  };
}
