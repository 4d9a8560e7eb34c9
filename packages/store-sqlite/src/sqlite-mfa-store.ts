import type { MfaStore, PendingLoginRecord, TotpRecord } from "@latchkey/core";
import type Database from "better-sqlite3";
import { UNWATCHED, type ChangeWatch } from "./change-watch.js";
import { toStoreError } from "./store-error.js";

function toTotp(row: unknown): TotpRecord {
  if (
    typeof row === "object" &&
    row !== null &&
    "userId" in row &&
    typeof row.userId === "string" &&
    "sealedSecret" in row &&
    typeof row.sealedSecret === "string" &&
    "confirmed" in row &&
    typeof row.confirmed === "number" &&
    "lastUsedStep" in row &&
    (row.lastUsedStep === null || typeof row.lastUsedStep === "number") &&
    "createdAt" in row &&
    typeof row.createdAt === "number"
  ) {
    return {
      userId: row.userId,
      sealedSecret: row.sealedSecret,
      confirmed: row.confirmed === 1,
      lastUsedStep: row.lastUsedStep,
      createdAt: row.createdAt,
    };
  }
  throw new Error("A latchkey_mfa_totp row does not have the expected columns; is the schema current?");
}

function toPending(row: unknown): PendingLoginRecord {
  if (
    typeof row === "object" &&
    row !== null &&
    "tokenHash" in row &&
    typeof row.tokenHash === "string" &&
    "userId" in row &&
    typeof row.userId === "string" &&
    "kind" in row &&
    (row.kind === "cookie" || row.kind === "bearer") &&
    "label" in row &&
    (row.label === null || typeof row.label === "string") &&
    "createdAt" in row &&
    typeof row.createdAt === "number" &&
    "expiresAt" in row &&
    typeof row.expiresAt === "number"
  ) {
    return {
      tokenHash: row.tokenHash,
      userId: row.userId,
      kind: row.kind,
      label: row.label,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
    };
  }
  throw new Error("A latchkey_mfa_pending_logins row does not have the expected columns; is the schema current?");
}

const TOTP_COLUMNS =
  "user_id AS userId, sealed_secret AS sealedSecret, confirmed, last_used_step AS lastUsedStep, created_at AS createdAt";
const PENDING_COLUMNS =
  "token_hash AS tokenHash, user_id AS userId, kind, label, created_at AS createdAt, expires_at AS expiresAt";

/**
 * An {@link MfaStore} over a migrated better-sqlite3 connection. Every method is one
 * statement or one `BEGIN IMMEDIATE` transaction, and better-sqlite3 is synchronous, so each
 * is atomic across every process sharing the file: accepting a TOTP step is one conditional
 * `UPDATE` (`last_used_step < ?`), using a recovery code and consuming a pending login are
 * each one `DELETE` (one winner however many race).
 */
export function sqliteMfaStore(database: Database.Database, watch: ChangeWatch = UNWATCHED): MfaStore {
  const selectTotp = database
    .prepare<[string]>(`SELECT ${TOTP_COLUMNS} FROM latchkey_mfa_totp WHERE user_id = ?`)
    .safeIntegers(false);
  const upsertTotp = database.prepare<[string, string, number, number | null, number]>(
    `INSERT INTO latchkey_mfa_totp (user_id, sealed_secret, confirmed, last_used_step, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, confirmed = excluded.confirmed,
       last_used_step = excluded.last_used_step, created_at = excluded.created_at`,
  );
  const acceptStep = database.prepare<[number, number, string, number]>(
    `UPDATE latchkey_mfa_totp SET last_used_step = ?, confirmed = max(confirmed, ?)
     WHERE user_id = ? AND (last_used_step IS NULL OR last_used_step < ?)`,
  );
  const deleteTotpRow = database.prepare<[string]>("DELETE FROM latchkey_mfa_totp WHERE user_id = ?");
  const deleteCodes = database.prepare<[string]>("DELETE FROM latchkey_mfa_recovery_codes WHERE user_id = ?");
  const insertCode = database.prepare<[string, string, number]>(
    "INSERT OR IGNORE INTO latchkey_mfa_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
  );
  const deleteCode = database.prepare<[string, string]>(
    "DELETE FROM latchkey_mfa_recovery_codes WHERE user_id = ? AND code_hash = ?",
  );
  const countCodes = database
    .prepare<[string]>("SELECT count(*) FROM latchkey_mfa_recovery_codes WHERE user_id = ?")
    .pluck()
    .safeIntegers(false);
  const insertPending = database.prepare<[string, string, string, string | null, number, number]>(
    "INSERT INTO latchkey_mfa_pending_logins (token_hash, user_id, kind, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const selectPending = database
    .prepare<[string, number]>(
      `SELECT ${PENDING_COLUMNS} FROM latchkey_mfa_pending_logins WHERE token_hash = ? AND expires_at > ?`,
    )
    .safeIntegers(false);
  const deletePending = database
    .prepare<[string]>(`DELETE FROM latchkey_mfa_pending_logins WHERE token_hash = ? RETURNING ${PENDING_COLUMNS}`)
    .safeIntegers(false);
  const deleteExpired = database.prepare<[number]>("DELETE FROM latchkey_mfa_pending_logins WHERE expires_at <= ?");
  const deleteUserPending = database.prepare<[string]>("DELETE FROM latchkey_mfa_pending_logins WHERE user_id = ?");

  const replaceCodesTx = database.transaction((userId: string, hashes: readonly string[], createdAt: number) => {
    deleteCodes.run(userId);
    for (const hash of hashes) insertCode.run(userId, hash, createdAt);
  });
  const deleteUserTx = database.transaction((userId: string) => {
    deleteTotpRow.run(userId);
    deleteCodes.run(userId);
    deleteUserPending.run(userId);
  });

  /** Runs a write, keeping the connection's change watch from taking it for someone else's. */
  function write<T>(work: () => T): T {
    try {
      watch.generation();
      const result = work();
      watch.ownWrite();
      return result;
    } catch (error) {
      throw toStoreError("mfa", error);
    }
  }

  function read<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw toStoreError("mfa", error);
    }
  }

  return {
    async getTotp(userId) {
      const row = read(() => selectTotp.get(userId));
      return row === undefined ? null : toTotp(row);
    },
    async saveTotp(record) {
      write(() =>
        upsertTotp.run(
          record.userId,
          record.sealedSecret,
          record.confirmed ? 1 : 0,
          record.lastUsedStep,
          record.createdAt,
        ),
      );
    },
    async acceptTotpStep(userId, step, options) {
      return write(() => acceptStep.run(step, options.confirm ? 1 : 0, userId, step).changes) === 1;
    },
    async deleteTotp(userId) {
      return write(() => deleteTotpRow.run(userId).changes) > 0;
    },
    async replaceRecoveryCodes(userId, codeHashes, createdAt) {
      write(() => replaceCodesTx.immediate(userId, codeHashes, createdAt));
    },
    async useRecoveryCode(userId, codeHash) {
      return write(() => deleteCode.run(userId, codeHash).changes) === 1;
    },
    async countRecoveryCodes(userId) {
      const value = read(() => countCodes.get(userId));
      return typeof value === "number" ? value : 0;
    },
    async savePendingLogin(record) {
      write(() =>
        insertPending.run(
          record.tokenHash,
          record.userId,
          record.kind,
          record.label,
          record.createdAt,
          record.expiresAt,
        ),
      );
    },
    async getPendingLogin(tokenHash, now) {
      const row = read(() => selectPending.get(tokenHash, now));
      return row === undefined ? null : toPending(row);
    },
    async consumePendingLogin(tokenHash, now) {
      const row = write(() => deletePending.get(tokenHash));
      if (row === undefined) return null;
      const record = toPending(row);
      return record.expiresAt > now ? record : null;
    },
    async deleteExpiredPendingLogins(now) {
      return write(() => deleteExpired.run(now).changes);
    },
    async deleteUserFactors(userId) {
      write(() => deleteUserTx.immediate(userId));
    },
  };
}
