import type { SessionKind, SessionRecord, SessionStore } from "@latchkey/core";
import type Database from "better-sqlite3";
import { createCachedReads } from "./cached-reads.js";
import type { ChangeWatch } from "./change-watch.js";
import { toStoreError } from "./store-error.js";

/** Columns aliased to the record's field names, so a row *is* the record (no copy on the hot path). */
const SESSION_COLUMNS = `id, secret_hash AS secretHash, user_id AS userId, kind, created_at AS createdAt,
  last_seen_at AS lastSeenAt, expires_at AS expiresAt, absolute_expires_at AS absoluteExpiresAt,
  ip, user_agent AS userAgent, label`;

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === "string";
}

/**
 * Checks a row field by field instead of casting it: a schema changed under us fails here
 * with a clear message instead of leaking a malformed record into core.
 */
function isSessionRow(row: unknown): row is SessionRecord {
  return (
    typeof row === "object" &&
    row !== null &&
    "id" in row &&
    typeof row.id === "string" &&
    "secretHash" in row &&
    typeof row.secretHash === "string" &&
    "userId" in row &&
    typeof row.userId === "string" &&
    "kind" in row &&
    (row.kind === "cookie" || row.kind === "bearer") &&
    "createdAt" in row &&
    typeof row.createdAt === "number" &&
    "lastSeenAt" in row &&
    typeof row.lastSeenAt === "number" &&
    "expiresAt" in row &&
    typeof row.expiresAt === "number" &&
    "absoluteExpiresAt" in row &&
    typeof row.absoluteExpiresAt === "number" &&
    "ip" in row &&
    isNullableString(row.ip) &&
    "userAgent" in row &&
    isNullableString(row.userAgent) &&
    "label" in row &&
    isNullableString(row.label)
  );
}

function toSession(row: unknown): SessionRecord {
  if (isSessionRow(row)) return row;
  throw new Error("A latchkey_sessions row does not have the expected columns; is the schema current?");
}

/** Options of {@link sqliteSessionStore}. */
export interface SqliteSessionStoreOptions {
  /**
   * Sessions kept in memory once read, so a busy session costs one tiny statement per
   * request instead of a row read. Exact, not time-bounded: the cache is dropped whenever the
   * file may have changed behind this store (another process committed, or this connection
   * wrote outside the stores), so a revocation anywhere is seen by the very next request.
   * 0 turns it off.
   * @default 10000
   */
  cacheEntries?: number;
  /** The connection's change watch, shared with the user store (sqliteStores does this). @default a watch of its own */
  watch?: ChangeWatch;
}

/** The record frozen (see CachedReadsSource.freeze). */
function freeze(session: SessionRecord): SessionRecord {
  return Object.freeze(session);
}

/**
 * A {@link SessionStore} over a migrated better-sqlite3 connection. Every statement is
 * prepared once here; `getSession` (run on each authenticated request) answers from the
 * read cache after one `data_version` probe, or with one indexed `.get()`.
 */
export function sqliteSessionStore(database: Database.Database, options: SqliteSessionStoreOptions = {}): SessionStore {
  // safeIntegers(false): times come back as numbers even if the caller turned BigInt on for the connection.
  const get = database
    .prepare<[string]>(`SELECT ${SESSION_COLUMNS} FROM latchkey_sessions WHERE id = ?`)
    .safeIntegers(false);
  const sessions = createCachedReads(database, options, {
    store: "session",
    read: (id) => get.get(id),
    toRecord: toSession,
    freeze,
  });
  const { cache, watch } = sessions;
  const insert = database.prepare<
    [string, string, string, SessionKind, number, number, number, number, string | null, string | null, string | null]
  >(
    `INSERT INTO latchkey_sessions (id, secret_hash, user_id, kind, created_at, last_seen_at, expires_at,
       absolute_expires_at, ip, user_agent, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // A plain UPDATE: when the row was deleted meanwhile it matches nothing, so a touch racing a
  // revocation can never bring the session back (an upsert would).
  const touch = database.prepare<[number, number, string]>(
    "UPDATE latchkey_sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?",
  );
  const remove = database.prepare<[string]>("DELETE FROM latchkey_sessions WHERE id = ?");
  const removeForUser = database.prepare<[{ userId: string; kind: string | null; exceptId: string | null }]>(
    `DELETE FROM latchkey_sessions WHERE user_id = @userId
       AND (@kind IS NULL OR kind = @kind) AND (@exceptId IS NULL OR id <> @exceptId)`,
  );
  const listForUser = database
    .prepare<[string]>(
      `SELECT ${SESSION_COLUMNS} FROM latchkey_sessions WHERE user_id = ? ORDER BY created_at DESC, id DESC`,
    )
    .safeIntegers(false);
  const listAll = database
    .prepare<[number]>(`SELECT ${SESSION_COLUMNS} FROM latchkey_sessions ORDER BY created_at DESC, id DESC LIMIT ?`)
    .safeIntegers(false);
  const removeExpired = database.prepare<[{ now: number }]>(
    "DELETE FROM latchkey_sessions WHERE expires_at <= @now OR absolute_expires_at <= @now",
  );

  return {
    async getSession(id: string): Promise<SessionRecord | null> {
      return sessions.get(id);
    },

    peekSession: (id: string): SessionRecord | undefined => sessions.peek(id),

    async createSession(s: SessionRecord): Promise<void> {
      try {
        watch.generation();
        insert.run(
          s.id,
          s.secretHash,
          s.userId,
          s.kind,
          s.createdAt,
          s.lastSeenAt,
          s.expiresAt,
          s.absoluteExpiresAt,
          s.ip,
          s.userAgent,
          s.label,
        );
        // Nothing cached has this id (only found rows are cached), so there is nothing to drop.
        watch.ownWrite();
      } catch (error) {
        throw toStoreError("session", error);
      }
    },

    async updateSessionExpiration(id: string, lastSeenAt: number, expiresAt: number): Promise<void> {
      try {
        watch.generation();
        touch.run(lastSeenAt, expiresAt, id);
        cache.delete(id);
        watch.ownWrite();
      } catch (error) {
        throw toStoreError("session", error);
      }
    },

    async deleteSession(id: string): Promise<void> {
      try {
        watch.generation();
        remove.run(id);
        cache.delete(id);
        watch.ownWrite();
      } catch (error) {
        throw toStoreError("session", error);
      }
    },

    async deleteUserSessions(userId: string, options: { kind?: SessionKind; exceptId?: string } = {}): Promise<number> {
      try {
        watch.generation();
        const deleted = removeForUser.run({
          userId,
          kind: options.kind ?? null,
          exceptId: options.exceptId ?? null,
        }).changes;
        // Rare ("log out everywhere"): dropping every cached session is simpler than finding the user's.
        cache.clear();
        watch.ownWrite();
        return deleted;
      } catch (error) {
        throw toStoreError("session", error);
      }
    },

    async listUserSessions(userId: string): Promise<SessionRecord[]> {
      let rows: unknown[];
      try {
        rows = listForUser.all(userId);
      } catch (error) {
        throw toStoreError("session", error);
      }
      return rows.map(toSession);
    },

    async listSessions(options: { limit: number }): Promise<SessionRecord[]> {
      let rows: unknown[];
      try {
        // A negative LIMIT means "no limit" to SQLite; a cap must stay a cap.
        rows = listAll.all(Math.max(0, Math.floor(options.limit)));
      } catch (error) {
        throw toStoreError("session", error);
      }
      return rows.map(toSession);
    },

    async deleteExpiredSessions(now: number): Promise<number> {
      try {
        watch.generation();
        const deleted = removeExpired.run({ now }).changes;
        cache.clear();
        watch.ownWrite();
        return deleted;
      } catch (error) {
        throw toStoreError("session", error);
      }
    },
  };
}
