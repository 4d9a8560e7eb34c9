import type { AccountKeyPurpose, AccountKeyRecord, AccountStore, ClaimedMessage, OutboxMessage } from "@latchkey/core";
import type { Pool } from "pg";
import { bigintColumn, nullableTextColumn, textColumn, type Row } from "./rows.js";
import { toStoreError } from "./store-error.js";
import { withTransaction } from "./transaction.js";

const KEYS = "latchkey_account_keys";
const OUTBOX = "latchkey_outbox";

function toPurpose(value: string): AccountKeyPurpose {
  if (value === "verify_email" || value === "reset_password" || value === "change_email") return value;
  throw new Error(`A ${KEYS} row has an unknown purpose "${value}".`);
}

function toKeyRecord(row: Row): AccountKeyRecord {
  return {
    keyHash: textColumn(row, KEYS, "key_hash"),
    purpose: toPurpose(textColumn(row, KEYS, "purpose")),
    userId: textColumn(row, KEYS, "user_id"),
    email: textColumn(row, KEYS, "email"),
    passwordStamp: nullableTextColumn(row, KEYS, "password_stamp"),
    createdAt: bigintColumn(row, KEYS, "created_at"),
    expiresAt: bigintColumn(row, KEYS, "expires_at"),
  };
}

function toClaimed(row: Row): ClaimedMessage {
  return {
    id: textColumn(row, OUTBOX, "id"),
    to: textColumn(row, OUTBOX, "recipient"),
    subject: textColumn(row, OUTBOX, "subject"),
    text: textColumn(row, OUTBOX, "text_body"),
    html: textColumn(row, OUTBOX, "html_body"),
    createdAt: bigintColumn(row, OUTBOX, "created_at"),
    attempts: bigintColumn(row, OUTBOX, "attempts"),
  };
}

const INSERT_MESSAGE = `INSERT INTO ${OUTBOX} (id, recipient, subject, text_body, html_body, created_at, due_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`;

/** The values of {@link INSERT_MESSAGE} for `message`. */
function messageValues(message: OutboxMessage): unknown[] {
  return [message.id, message.to, message.subject, message.text, message.html, message.createdAt];
}

/**
 * An {@link AccountStore} over a pool connected to a migrated database. `consumeKey` is one
 * `DELETE … RETURNING` (row locks make exactly one of any number of racing calls get the
 * row); `claimMessages` leases rows with `FOR UPDATE SKIP LOCKED`, so processes on several
 * machines never hand the same message to two senders.
 */
export function postgresAccountStore(pool: Pool): AccountStore {
  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStoreError("account", error);
    }
  }

  return {
    createKey: (key, message) =>
      guarded(() =>
        withTransaction(pool, async (client) => {
          await client.query(
            `INSERT INTO ${KEYS} (key_hash, purpose, user_id, email, password_stamp, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [key.keyHash, key.purpose, key.userId, key.email, key.passwordStamp, key.createdAt, key.expiresAt],
          );
          if (message !== null) await client.query(INSERT_MESSAGE, messageValues(message));
        }),
      ),

    consumeKey: (keyHash, purpose, now) =>
      guarded(async () => {
        const result = await pool.query<Row>(`DELETE FROM ${KEYS} WHERE key_hash = $1 AND purpose = $2 RETURNING *`, [
          keyHash,
          purpose,
        ]);
        const [row] = result.rows;
        if (row === undefined) return null;
        const key = toKeyRecord(row);
        return key.expiresAt > now ? key : null;
      }),

    deleteUserKeys: (userId, purpose) =>
      guarded(async () => {
        const result =
          purpose === undefined
            ? await pool.query(`DELETE FROM ${KEYS} WHERE user_id = $1`, [userId])
            : await pool.query(`DELETE FROM ${KEYS} WHERE user_id = $1 AND purpose = $2`, [userId, purpose]);
        return result.rowCount ?? 0;
      }),

    markEmailVerified: (userId, email) =>
      guarded(async () => {
        await pool.query(
          "INSERT INTO latchkey_verified_emails (user_id, email) VALUES ($1, $2) ON CONFLICT DO NOTHING",
          [userId, email],
        );
      }),

    isEmailVerified: (userId, email) =>
      guarded(async () => {
        const result = await pool.query("SELECT 1 FROM latchkey_verified_emails WHERE user_id = $1 AND email = $2", [
          userId,
          email,
        ]);
        return result.rows.length > 0;
      }),

    deleteUserData: (userId) =>
      guarded(() =>
        withTransaction(pool, async (client) => {
          await client.query(`DELETE FROM ${KEYS} WHERE user_id = $1`, [userId]);
          await client.query("DELETE FROM latchkey_verified_emails WHERE user_id = $1", [userId]);
        }),
      ),

    setSessionFreshAt: (sessionId, at) =>
      guarded(async () => {
        await pool.query(
          "INSERT INTO latchkey_session_freshness (session_id, fresh_at) VALUES ($1, $2) ON CONFLICT (session_id) DO UPDATE SET fresh_at = excluded.fresh_at",
          [sessionId, at],
        );
      }),

    getSessionFreshAt: (sessionId) =>
      guarded(async () => {
        const result = await pool.query<Row>("SELECT fresh_at FROM latchkey_session_freshness WHERE session_id = $1", [
          sessionId,
        ]);
        const [row] = result.rows;
        return row === undefined ? null : bigintColumn(row, "latchkey_session_freshness", "fresh_at");
      }),

    enqueueMessage: (message) =>
      guarded(async () => {
        await pool.query(INSERT_MESSAGE, messageValues(message));
      }),

    claimMessages: ({ now, leaseMs, limit }) =>
      guarded(async () => {
        const result = await pool.query<Row>(
          `UPDATE ${OUTBOX} SET attempts = attempts + 1, due_at = $2
           WHERE id IN (SELECT id FROM ${OUTBOX} WHERE due_at <= $1 ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
           RETURNING *`,
          [now, now + leaseMs, limit],
        );
        return result.rows.map(toClaimed).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
      }),

    completeMessage: (id) =>
      guarded(async () => {
        await pool.query(`DELETE FROM ${OUTBOX} WHERE id = $1`, [id]);
      }),

    retryMessage: (id, nextAttemptAt, error) =>
      guarded(async () => {
        await pool.query(`UPDATE ${OUTBOX} SET due_at = $2, last_error = $3 WHERE id = $1`, [
          id,
          nextAttemptAt,
          error.slice(0, 1000),
        ]);
      }),

    countPendingMessages: () =>
      guarded(async () => {
        const result = await pool.query<Row>(`SELECT count(*)::bigint AS n FROM ${OUTBOX}`);
        const [row] = result.rows;
        return row === undefined ? 0 : bigintColumn(row, OUTBOX, "n");
      }),
  };
}
