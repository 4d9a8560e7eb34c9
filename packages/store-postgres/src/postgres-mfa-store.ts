import type { MfaStore, PendingLoginRecord, TotpRecord } from "@latchkey/core";
import type { Pool } from "pg";
import { bigintColumn, booleanColumn, nullableBigintColumn, nullableTextColumn, textColumn, type Row } from "./rows.js";
import { toStoreError } from "./store-error.js";
import { withTransaction } from "./transaction.js";

const TOTP = "latchkey_mfa_totp";
const CODES = "latchkey_mfa_recovery_codes";
const PENDING = "latchkey_mfa_pending_logins";

function toTotp(row: Row): TotpRecord {
  return {
    userId: textColumn(row, TOTP, "user_id"),
    sealedSecret: textColumn(row, TOTP, "sealed_secret"),
    confirmed: booleanColumn(row, TOTP, "confirmed"),
    lastUsedStep: nullableBigintColumn(row, TOTP, "last_used_step"),
    createdAt: bigintColumn(row, TOTP, "created_at"),
  };
}

function toPending(row: Row): PendingLoginRecord {
  const kind = textColumn(row, PENDING, "kind");
  if (kind !== "cookie" && kind !== "bearer") throw new Error(`A ${PENDING} row has an unknown kind "${kind}".`);
  return {
    tokenHash: textColumn(row, PENDING, "token_hash"),
    userId: textColumn(row, PENDING, "user_id"),
    kind,
    label: nullableTextColumn(row, PENDING, "label"),
    createdAt: bigintColumn(row, PENDING, "created_at"),
    expiresAt: bigintColumn(row, PENDING, "expires_at"),
  };
}

/**
 * An {@link MfaStore} over a pool connected to a migrated database. Accepting a TOTP step is
 * one conditional `UPDATE … WHERE last_used_step < $step` and using a recovery code or a
 * pending login one `DELETE`: row locks make exactly one of any number of racing calls, on
 * any number of nodes, win.
 */
export function postgresMfaStore(pool: Pool): MfaStore {
  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStoreError("mfa", error);
    }
  }

  return {
    getTotp: (userId) =>
      guarded(async () => {
        const [row] = (await pool.query<Row>(`SELECT * FROM ${TOTP} WHERE user_id = $1`, [userId])).rows;
        return row === undefined ? null : toTotp(row);
      }),
    saveTotp: (record) =>
      guarded(async () => {
        await pool.query(
          `INSERT INTO ${TOTP} (user_id, sealed_secret, confirmed, last_used_step, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, confirmed = excluded.confirmed,
             last_used_step = excluded.last_used_step, created_at = excluded.created_at`,
          [record.userId, record.sealedSecret, record.confirmed, record.lastUsedStep, record.createdAt],
        );
      }),
    acceptTotpStep: (userId, step, options) =>
      guarded(async () => {
        const result = await pool.query(
          `UPDATE ${TOTP} SET last_used_step = $1, confirmed = confirmed OR $2 WHERE user_id = $3 AND (last_used_step IS NULL OR last_used_step < $1)`,
          [step, options.confirm, userId],
        );
        return result.rowCount === 1;
      }),
    deleteTotp: (userId) =>
      guarded(async () => ((await pool.query(`DELETE FROM ${TOTP} WHERE user_id = $1`, [userId])).rowCount ?? 0) > 0),
    replaceRecoveryCodes: (userId, codeHashes, createdAt) =>
      guarded(() =>
        withTransaction(pool, async (client) => {
          await client.query(`DELETE FROM ${CODES} WHERE user_id = $1`, [userId]);
          if (codeHashes.length > 0) {
            await client.query(
              `INSERT INTO ${CODES} (user_id, code_hash, created_at) SELECT $1, unnest($2::text[]), $3 ON CONFLICT DO NOTHING`,
              [userId, [...codeHashes], createdAt],
            );
          }
        }),
      ),
    useRecoveryCode: (userId, codeHash) =>
      guarded(
        async () =>
          (await pool.query(`DELETE FROM ${CODES} WHERE user_id = $1 AND code_hash = $2`, [userId, codeHash]))
            .rowCount === 1,
      ),
    countRecoveryCodes: (userId) =>
      guarded(async () => {
        const [row] = (await pool.query<Row>(`SELECT count(*)::int AS n FROM ${CODES} WHERE user_id = $1`, [userId]))
          .rows;
        return typeof row?.n === "number" ? row.n : 0;
      }),
    savePendingLogin: (record) =>
      guarded(async () => {
        await pool.query(
          `INSERT INTO ${PENDING} (token_hash, user_id, kind, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
          [record.tokenHash, record.userId, record.kind, record.label, record.createdAt, record.expiresAt],
        );
      }),
    getPendingLogin: (tokenHash, now) =>
      guarded(async () => {
        const [row] = (
          await pool.query<Row>(`SELECT * FROM ${PENDING} WHERE token_hash = $1 AND expires_at > $2`, [tokenHash, now])
        ).rows;
        return row === undefined ? null : toPending(row);
      }),
    consumePendingLogin: (tokenHash, now) =>
      guarded(async () => {
        const [row] = (await pool.query<Row>(`DELETE FROM ${PENDING} WHERE token_hash = $1 RETURNING *`, [tokenHash]))
          .rows;
        if (row === undefined) return null;
        const record = toPending(row);
        return record.expiresAt > now ? record : null;
      }),
    deleteExpiredPendingLogins: (now) =>
      guarded(async () => (await pool.query(`DELETE FROM ${PENDING} WHERE expires_at <= $1`, [now])).rowCount ?? 0),
    deleteUserFactors: (userId) =>
      guarded(() =>
        withTransaction(pool, async (client) => {
          await client.query(`DELETE FROM ${TOTP} WHERE user_id = $1`, [userId]);
          await client.query(`DELETE FROM ${CODES} WHERE user_id = $1`, [userId]);
          await client.query(`DELETE FROM ${PENDING} WHERE user_id = $1`, [userId]);
        }),
      ),
  };
}
