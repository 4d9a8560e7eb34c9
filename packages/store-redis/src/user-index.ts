import { createHash } from "node:crypto";
import { globEscape, type RedisKeys } from "./keys.js";
import type { RedisClient } from "./redis-client.js";

/**
 * The users' session indexes, grouped into buckets: a bucket is a small hash shared by many
 * users, so a user with one session pays for one hash entry, not for a key of their own
 * (about 100 bytes of key overhead a user). A user's bucket at each level is named by the
 * first hex digits of SHA-256(userId): 2 digits (256 buckets), then 3 (4,096), then 4 (65,536).
 * A new session goes into the first level whose bucket has room ({@link BUCKET_FILL} entries,
 * under Redis's default `hash-max-listpack-entries` of 128, so a bucket stays a compact
 * listpack); the last level always takes it. So a small deployment fills a few hundred buckets
 * and a large one spreads over up to 69,888 buckets; either way a bucket holds tens of entries.
 * Readers look at the user's bucket on every level.
 *
 * The level widths and the fill are fixed, not settings: every process must agree on where a
 * user's sessions are, or "log out everywhere" could miss one.
 */
export const BUCKET_LEVEL_WIDTHS: readonly number[] = Object.freeze([2, 3, 4]);

/** Entries a bucket above the last level takes before new sessions go one level down. */
export const BUCKET_FILL = 100;

/** One entry of a bucket: which session of which user, and the end (s) it was created with. */
export interface IndexEntry {
  /** The hash field, as stored. */
  readonly field: string;
  readonly userId: string;
  readonly sessionId: string;
  /** The session's end when created, in whole seconds (as stored). */
  readonly end: string;
}

/** The user's bucket key on every level, first level first. */
export function userBuckets(keys: RedisKeys, userId: string): string[] {
  const digest = createHash("sha256").update(userId).digest("hex");
  return BUCKET_LEVEL_WIDTHS.map((width) => keys.userBucket(digest.slice(0, width)));
}

/**
 * The field of a session in its user's bucket: `<length of userId>:<userId><sessionId>`. The
 * length prefix keeps it unambiguous whatever characters either id holds, so a user's entries
 * are exactly the fields starting with `<length>:<userId>`.
 */
export function indexField(userId: string, sessionId: string): string {
  return `${userId.length}:${userId}${sessionId}`;
}

/**
 * HSCAN pattern matching exactly the user's fields. Stops one user from reaching another's
 * sessions through their id: an id such as `*` or `1?` is escaped, so it cannot match other
 * users' entries, and the length prefix keeps user `1` from matching user `12`'s. The attack:
 * a user id chosen so that listing or "log out everywhere" reaches other users' sessions.
 * {@link bucketEntries} checks every field it gets back too, and the delete script checks
 * the owner, so each layer alone stops it.
 */
export function indexFieldPattern(userId: string): string {
  return `${userId.length}:${globEscape(userId)}*`;
}

/** The user and session in a bucket field, or null if the field is not one of ours. */
export function parseIndexField(field: string): { userId: string; sessionId: string } | null {
  const match = /^(\d{1,6}):/.exec(field);
  if (match === null) return null;
  const start = match[0].length;
  const length = Number(match[1]);
  if (field.length <= start + length) return null;
  return { userId: field.slice(start, start + length), sessionId: field.slice(start + length) };
}

/**
 * Every entry of a bucket (only the user's with `userId`), by HSCAN: a compact bucket answers
 * in one reply; an overgrown one is walked in steps rather than blocking Redis.
 */
export async function bucketEntries(client: RedisClient, bucket: string, userId?: string): Promise<IndexEntry[]> {
  const entries = new Map<string, IndexEntry>();
  let cursor = "0";
  do {
    const [next, flat] =
      userId === undefined
        ? await client.hscan(bucket, cursor, "COUNT", 1_000)
        : await client.hscan(bucket, cursor, "MATCH", indexFieldPattern(userId), "COUNT", 1_000);
    cursor = next;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = flat[i] ?? "";
      const parsed = parseIndexField(field);
      if (parsed === null || (userId !== undefined && parsed.userId !== userId)) continue;
      entries.set(field, { field, ...parsed, end: flat[i + 1] ?? "" });
    }
  } while (cursor !== "0");
  return [...entries.values()];
}
