import {
  encodeInvalidation,
  type SessionKind,
  type SessionRecord,
  type SessionStore,
  type UserStore,
} from "@latchkey/core";
import type { Pool } from "pg";
import { bigintColumn, nullableTextColumn, rowShapeError, sessionKindValue, textColumn, type Row } from "./rows.js";
import { createReadBatch } from "./read-batch.js";
import { toStoreError } from "./store-error.js";
import { createHotReadDecoder, HOT_READ_COLUMNS, RAW_TEXT, type HotRow, type SessionWithUser } from "./hot-read.js";

const TABLE = "latchkey_sessions";

const USER_OF_SESSION = `LEFT JOIN latchkey_users u
    ON u.id = (CASE WHEN s.user_id ~ '^[1-9][0-9]{0,15}$' THEN s.user_id::bigint END)`;

/**
 * One session and its user; for an id that cannot be batched (see getSessionWithUser). The
 * user's columns are nulls when the user is missing. The join key is the session's `user_id`
 * as a row id when it is one (the CASE keeps the users' primary-key index usable and never
 * casts a non-numeric id).
 */
const SESSION_WITH_USER = `SELECT ${HOT_READ_COLUMNS}
  FROM latchkey_sessions s ${USER_OF_SESSION}
  WHERE s.id = $1`;

/**
 * The sessions of many ids with their users: the batched hot-path read (see createReadBatch).
 * The ids are joined as a relation (`unnest`), not filtered with `s.id = ANY($1)`: the
 * generic plan of `= ANY` over a parameter array cannot hash it, and on a table of a few
 * thousand sessions PostgreSQL chose a sequential scan comparing every row with every id.
 * Each id's session, and then its user, is read by a LATERAL subquery with `LIMIT 1` (a
 * primary key gives at most one row anyway), which PostgreSQL cannot flatten into a join: a
 * probe per id, never a scan of a whole table per statement, and the session's user id is
 * checked and cast once per row and handed to the user's probe as a plain bigint. As plain
 * joins, the generic plan hashed the ids and scanned all the sessions on a small table
 * (1,000 sessions), and moving only the sessions into a LATERAL subquery made it compare each
 * row with every user, casting each time (201 users: about 32 µs of backend CPU per row,
 * against 10 as plain joins and 7 to 12 with both probes; scripts/hot-read-cost.mjs, IDS=20
 * groups). The batch's ids are distinct, so each session comes back at most once.
 */
const SESSIONS_WITH_USERS_BY_IDS = `SELECT ${HOT_READ_COLUMNS}
  FROM unnest($1::text[]) AS wanted(id)
  CROSS JOIN LATERAL (
    SELECT x.*, CASE WHEN x.user_id ~ '^[1-9][0-9]{0,15}$' THEN x.user_id::bigint END AS user_key
    FROM latchkey_sessions x WHERE x.id = wanted.id LIMIT 1) s
  LEFT JOIN LATERAL (SELECT y.* FROM latchkey_users y WHERE y.id = s.user_key LIMIT 1) u ON true`;

/**
 * Most session ids in one batched read. The load of a busy process (tens of requests read in
 * one poll phase) fits in one statement; more are split over several.
 */
const MAX_BATCH = 100;

/**
 * Batched reads in flight at once; lookups made meanwhile wait and go out together when it
 * settles (see createReadBatch). Without this, requests arriving one per turn of the event
 * loop each got a statement of their own (in one profiled bench run, 441 of 500 statements
 * carried one id), each costing the server and PostgreSQL their fixed per-statement work
 * (about 45 µs of Node CPU for a one-id statement; scripts/hot-read-node-cost.mjs, SPREAD=1,
 * measures Node CPU per lookup with requests arriving that way).
 */
const MAX_IN_FLIGHT = 1;

/**
 * Milliseconds a lookup waits behind the read in flight at most; then it is sent anyway, so a
 * statement that never answers (a connection lost without a reset, no `query_timeout`) holds
 * up the lookups behind it only this long, not until the pool's timeout or forever.
 */
const MAX_HOLD_MS = 100;

const SESSION_COLUMNS = `id, secret_hash, user_id, kind, created_at, last_seen_at, expires_at,
  absolute_expires_at, ip, user_agent, label`;

/** Newest first; the id breaks ties byte-wise (COLLATE "C"), as in every other store. */
const NEWEST_FIRST = `ORDER BY created_at DESC, id COLLATE "C" DESC`;

/** Builds the record from a row, checking each column instead of casting. */
function toSession(row: Row): SessionRecord {
  return {
    id: textColumn(row, TABLE, "id"),
    secretHash: textColumn(row, TABLE, "secret_hash"),
    userId: textColumn(row, TABLE, "user_id"),
    kind: sessionKindValue(row["kind"], TABLE),
    createdAt: bigintColumn(row, TABLE, "created_at"),
    lastSeenAt: bigintColumn(row, TABLE, "last_seen_at"),
    expiresAt: bigintColumn(row, TABLE, "expires_at"),
    absoluteExpiresAt: bigintColumn(row, TABLE, "absolute_expires_at"),
    ip: nullableTextColumn(row, TABLE, "ip"),
    userAgent: nullableTextColumn(row, TABLE, "user_agent"),
    label: nullableTextColumn(row, TABLE, "label"),
  };
}

/** Options of {@link postgresSessionStore}. */
export interface PostgresSessionStoreOptions {
  /**
   * The channel of the PostgreSQL invalidation bus, when session caches listen on it. Each
   * session deletion then also NOTIFYs the invalidation in the same statement, so the
   * message is delivered exactly when (and only if) the deletion commits, in commit order:
   * a deletion whose client timed out but which commits later still reaches every cache,
   * with no window between the row going and the caches hearing of it. @default none
   */
  invalidationChannel?: string;
  /**
   * The user store over the same database (`postgresStores` passes its own): the session
   * store then offers `getSessionWithUser`, one prepared query for the session and its user.
   * @default none
   */
  joinedUsers?: UserStore;
}

/**
 * A {@link SessionStore} over a pool connected to a migrated database. Each method is one
 * statement, so each is atomic on its own; `getSession` (run on each authenticated request)
 * is one primary-key lookup through a named prepared statement (planned once per connection).
 */
export function postgresSessionStore(pool: Pool, options: PostgresSessionStoreOptions = {}): SessionStore {
  const joinedUsers = options.joinedUsers ?? null;
  const channel = options.invalidationChannel ?? null;
  /** Runs one statement, turning an outage into StoreUnavailableError("session"). */
  async function query(text: string, values: unknown[], name?: string): Promise<{ rows: Row[]; rowCount: number }> {
    try {
      const result = await pool.query<Row>(name === undefined ? { text, values } : { name, text, values });
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw toStoreError("session", error);
    }
  }

  const store: SessionStore = {
    async getSession(id: string): Promise<SessionRecord | null> {
      const { rows } = await query(
        `SELECT ${SESSION_COLUMNS} FROM ${TABLE} WHERE id = $1`,
        [id],
        "latchkey-session-get",
      );
      const [row] = rows;
      return row === undefined ? null : toSession(row);
    },

    async createSession(s: SessionRecord): Promise<void> {
      // A reused id fails on the primary key (a plain error, not an outage): a colliding
      // create can never take over someone's session.
      await query(
        `INSERT INTO ${TABLE} (id, secret_hash, user_id, kind, created_at, last_seen_at, expires_at,
           absolute_expires_at, ip, user_agent, label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
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
        ],
      );
    },

    async updateSessionExpiration(id: string, lastSeenAt: number, expiresAt: number): Promise<void> {
      // A plain UPDATE: when the row was deleted meanwhile it matches nothing, so a touch racing a
      // revocation can never bring the session back (an upsert would).
      await query(
        `UPDATE ${TABLE} SET last_seen_at = $1, expires_at = $2 WHERE id = $3`,
        [lastSeenAt, expiresAt, id],
        "latchkey-session-touch",
      );
    },

    async deleteSession(id: string): Promise<void> {
      if (channel === null) {
        await query(`DELETE FROM ${TABLE} WHERE id = $1`, [id]);
        return;
      }
      await query(
        `WITH gone AS (DELETE FROM ${TABLE} WHERE id = $1 RETURNING 1) SELECT (SELECT count(*) FROM gone) AS deleted, pg_notify($2, $3)`,
        [id, channel, encodeInvalidation({ kind: "session", id })],
      );
    },

    async deleteUserSessions(userId: string, options: { kind?: SessionKind; exceptId?: string } = {}): Promise<number> {
      const where = `user_id = $1 AND ($2::text IS NULL OR kind = $2::text) AND ($3::text IS NULL OR id <> $3::text)`;
      const values = [userId, options.kind ?? null, options.exceptId ?? null];
      if (channel === null) {
        const { rowCount } = await query(`DELETE FROM ${TABLE} WHERE ${where}`, values);
        return rowCount;
      }
      const { rows } = await query(
        `WITH gone AS (DELETE FROM ${TABLE} WHERE ${where} RETURNING 1) SELECT (SELECT count(*) FROM gone) AS deleted, pg_notify($4, $5)`,
        [...values, channel, encodeInvalidation({ kind: "user", userId })],
      );
      return Number(rows[0]?.deleted ?? 0);
    },

    async listUserSessions(userId: string): Promise<SessionRecord[]> {
      const { rows } = await query(`SELECT ${SESSION_COLUMNS} FROM ${TABLE} WHERE user_id = $1 ${NEWEST_FIRST}`, [
        userId,
      ]);
      return rows.map((row) => toSession(row));
    },

    async listSessions(options: { limit: number }): Promise<SessionRecord[]> {
      // A negative cap lists nothing (never "no limit"); only an infinite one lists all (LIMIT NULL).
      const limit = Math.max(0, Math.floor(options.limit));
      const { rows } = await query(`SELECT ${SESSION_COLUMNS} FROM ${TABLE} ${NEWEST_FIRST} LIMIT $1`, [
        Number.isFinite(limit) ? limit : null,
      ]);
      return rows.map((row) => toSession(row));
    },

    async deleteExpiredSessions(now: number): Promise<number> {
      const { rowCount } = await query(`DELETE FROM ${TABLE} WHERE expires_at <= $1 OR absolute_expires_at <= $1`, [
        now,
      ]);
      return rowCount;
    },
  };
  if (joinedUsers === null) return store;
  /** Runs one statement of the hot read: raw text values, rows as arrays (see HOT_READ_COLUMNS). */
  async function hotQuery(name: string, text: string, values: unknown[]): Promise<HotRow[]> {
    try {
      return (await pool.query<HotRow>({ name, text, values, rowMode: "array", types: RAW_TEXT })).rows;
    } catch (error) {
      throw toStoreError("session", error);
    }
  }
  // Concurrent authenticated requests share one statement per turn of the event loop.
  const batchedRead = createReadBatch<HotRow>({
    read: (ids) => hotQuery("latchkey-sessions-with-users", SESSIONS_WITH_USERS_BY_IDS, [ids]),
    keyOf: (row) => {
      const id = row[0];
      if (typeof id !== "string") throw rowShapeError(TABLE, "id");
      return id;
    },
    maxKeys: MAX_BATCH,
    maxInFlight: MAX_IN_FLIGHT,
    maxHoldMs: MAX_HOLD_MS,
  });
  const decode = createHotReadDecoder();
  return {
    ...store,
    joinedUsers,
    async getSessionWithUser(id: string): Promise<SessionWithUser | null> {
      // PostgreSQL text cannot hold NUL: such an id fails its statement, so it gets one of its
      // own rather than failing every other request of a batch (core never sends one).
      const row = id.includes("\0")
        ? (await hotQuery("latchkey-session-with-user", SESSION_WITH_USER, [id]))[0]
        : await batchedRead(id);
      return row === undefined ? null : decode(row);
    },
  };
}
