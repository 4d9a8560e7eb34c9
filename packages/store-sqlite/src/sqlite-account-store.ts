import type { AccountKeyPurpose, AccountKeyRecord, AccountStore, ClaimedMessage, OutboxMessage } from "@latchkey/core";
import type Database from "better-sqlite3";
import { UNWATCHED, type ChangeWatch } from "./change-watch.js";
import { toStoreError } from "./store-error.js";

const PURPOSES: readonly string[] = ["verify_email", "reset_password", "change_email"];

function toKeyRecord(row: unknown): AccountKeyRecord {
  if (
    typeof row === "object" &&
    row !== null &&
    "keyHash" in row &&
    typeof row.keyHash === "string" &&
    "purpose" in row &&
    typeof row.purpose === "string" &&
    PURPOSES.includes(row.purpose) &&
    "userId" in row &&
    typeof row.userId === "string" &&
    "email" in row &&
    typeof row.email === "string" &&
    "passwordStamp" in row &&
    (row.passwordStamp === null || typeof row.passwordStamp === "string") &&
    "createdAt" in row &&
    typeof row.createdAt === "number" &&
    "expiresAt" in row &&
    typeof row.expiresAt === "number"
  ) {
    return {
      keyHash: row.keyHash,
      purpose: row.purpose as AccountKeyPurpose,
      userId: row.userId,
      email: row.email,
      passwordStamp: row.passwordStamp,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
    };
  }
  throw new Error("A latchkey_account_keys row does not have the expected columns; is the schema current?");
}

function toClaimed(row: unknown): ClaimedMessage {
  if (
    typeof row === "object" &&
    row !== null &&
    "id" in row &&
    typeof row.id === "string" &&
    "recipient" in row &&
    typeof row.recipient === "string" &&
    "subject" in row &&
    typeof row.subject === "string" &&
    "text" in row &&
    typeof row.text === "string" &&
    "html" in row &&
    typeof row.html === "string" &&
    "createdAt" in row &&
    typeof row.createdAt === "number" &&
    "attempts" in row &&
    typeof row.attempts === "number"
  ) {
    return {
      id: row.id,
      to: row.recipient,
      subject: row.subject,
      text: row.text,
      html: row.html,
      createdAt: row.createdAt,
      attempts: row.attempts,
    };
  }
  throw new Error("A latchkey_outbox row does not have the expected columns; is the schema current?");
}

const KEY_COLUMNS = `key_hash AS keyHash, purpose, user_id AS userId, email, password_stamp AS passwordStamp,
  created_at AS createdAt, expires_at AS expiresAt`;

/**
 * An {@link AccountStore} over a migrated better-sqlite3 connection. Every method is one
 * statement or one `BEGIN IMMEDIATE` transaction, and better-sqlite3 is synchronous, so each
 * is atomic across every process sharing the file: `consumeKey` is a `DELETE … RETURNING`
 * (one winner however many race), `claimMessages` leases rows inside one write transaction.
 */
export function sqliteAccountStore(database: Database.Database, watch: ChangeWatch = UNWATCHED): AccountStore {
  const insertKey = database.prepare<[string, string, string, string, string | null, number, number]>(
    `INSERT INTO latchkey_account_keys (key_hash, purpose, user_id, email, password_stamp, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertMessage = database.prepare<[string, string, string, string, string, number, number]>(
    `INSERT INTO latchkey_outbox (id, recipient, subject, text_body, html_body, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  /** Queues `message`, due at once. */
  const queueMessage = (message: OutboxMessage): void => {
    insertMessage.run(
      message.id,
      message.to,
      message.subject,
      message.text,
      message.html,
      message.createdAt,
      message.createdAt,
    );
  };
  const deleteKey = database
    .prepare<[string, string]>(
      `DELETE FROM latchkey_account_keys WHERE key_hash = ? AND purpose = ? RETURNING ${KEY_COLUMNS}`,
    )
    .safeIntegers(false);
  const deleteKeysOfPurpose = database.prepare<[string, string]>(
    "DELETE FROM latchkey_account_keys WHERE user_id = ? AND purpose = ?",
  );
  const deleteKeysOfUser = database.prepare<[string]>("DELETE FROM latchkey_account_keys WHERE user_id = ?");
  const insertVerified = database.prepare<[string, string]>(
    "INSERT OR IGNORE INTO latchkey_verified_emails (user_id, email) VALUES (?, ?)",
  );
  const selectVerified = database.prepare<[string, string]>(
    "SELECT 1 FROM latchkey_verified_emails WHERE user_id = ? AND email = ?",
  );
  const deleteVerified = database.prepare<[string]>("DELETE FROM latchkey_verified_emails WHERE user_id = ?");
  const upsertFresh = database.prepare<[string, number]>(
    "INSERT INTO latchkey_session_freshness (session_id, fresh_at) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET fresh_at = excluded.fresh_at",
  );
  const selectFresh = database
    .prepare<[string]>("SELECT fresh_at FROM latchkey_session_freshness WHERE session_id = ?")
    .pluck()
    .safeIntegers(false);
  const selectDue = database
    .prepare<[number, number]>(
      `SELECT id, recipient, subject, text_body AS text, html_body AS html, created_at AS createdAt, attempts + 1 AS attempts
       FROM latchkey_outbox WHERE due_at <= ? ORDER BY created_at, id LIMIT ?`,
    )
    .safeIntegers(false);
  const lease = database.prepare<[number, string]>(
    "UPDATE latchkey_outbox SET attempts = attempts + 1, due_at = ? WHERE id = ?",
  );
  const deleteMessage = database.prepare<[string]>("DELETE FROM latchkey_outbox WHERE id = ?");
  const reschedule = database.prepare<[number, string, string]>(
    "UPDATE latchkey_outbox SET due_at = ?, last_error = ? WHERE id = ?",
  );
  const countMessages = database.prepare<[]>("SELECT count(*) FROM latchkey_outbox").pluck().safeIntegers(false);

  const createKeyTx = database.transaction((key: AccountKeyRecord, message: OutboxMessage | null) => {
    insertKey.run(key.keyHash, key.purpose, key.userId, key.email, key.passwordStamp, key.createdAt, key.expiresAt);
    if (message !== null) queueMessage(message);
  });
  const deleteUserDataTx = database.transaction((userId: string) => {
    deleteKeysOfUser.run(userId);
    deleteVerified.run(userId);
  });
  const claimTx = database.transaction((now: number, leaseMs: number, limit: number): ClaimedMessage[] => {
    const claimed = selectDue.all(now, limit).map(toClaimed);
    for (const message of claimed) lease.run(now + leaseMs, message.id);
    return claimed;
  });

  /** Runs a write, keeping the connection's change watch from taking it for someone else's. */
  function write<T>(work: () => T): T {
    try {
      watch.generation();
      const result = work();
      watch.ownWrite();
      return result;
    } catch (error) {
      throw toStoreError("account", error);
    }
  }

  function read<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw toStoreError("account", error);
    }
  }

  return {
    async createKey(key, message) {
      write(() => createKeyTx.immediate(key, message));
    },
    async consumeKey(keyHash, purpose, now) {
      const row = write(() => deleteKey.get(keyHash, purpose));
      if (row === undefined) return null;
      const key = toKeyRecord(row);
      return key.expiresAt > now ? key : null;
    },
    async deleteUserKeys(userId, purpose) {
      return write(
        () => (purpose === undefined ? deleteKeysOfUser.run(userId) : deleteKeysOfPurpose.run(userId, purpose)).changes,
      );
    },
    async markEmailVerified(userId, email) {
      write(() => insertVerified.run(userId, email));
    },
    async isEmailVerified(userId, email) {
      return read(() => selectVerified.get(userId, email)) !== undefined;
    },
    async deleteUserData(userId) {
      write(() => deleteUserDataTx.immediate(userId));
    },
    async setSessionFreshAt(sessionId, at) {
      write(() => upsertFresh.run(sessionId, at));
    },
    async getSessionFreshAt(sessionId) {
      const value = read(() => selectFresh.get(sessionId));
      return typeof value === "number" ? value : null;
    },
    async enqueueMessage(message) {
      write(() => queueMessage(message));
    },
    async claimMessages(options) {
      return write(() => claimTx.immediate(options.now, options.leaseMs, options.limit));
    },
    async completeMessage(id) {
      write(() => deleteMessage.run(id));
    },
    async retryMessage(id, nextAttemptAt, error) {
      write(() => reschedule.run(nextAttemptAt, error.slice(0, 1000), id));
    },
    async countPendingMessages() {
      const value = read(() => countMessages.get());
      return typeof value === "number" ? value : 0;
    },
  };
}
