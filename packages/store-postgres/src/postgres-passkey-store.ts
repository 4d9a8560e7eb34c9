import type { PasskeyRecord, PasskeyStore, WebauthnChallengePurpose, WebauthnChallengeRecord } from "@latchkey/core";
import type { Pool } from "pg";
import {
  bigintColumn,
  booleanColumn,
  nullableBigintColumn,
  nullableTextColumn,
  rowShapeError,
  textArrayColumn,
  textColumn,
  type Row,
} from "./rows.js";
import { toStoreError } from "./store-error.js";
import { withTransaction } from "./transaction.js";

const PASSKEYS = "latchkey_passkeys";
const CHALLENGES = "latchkey_webauthn_challenges";

/**
 * Challenges whose expiry lies this far before a newly saved one's are deleted with the save,
 * so abandoned ceremonies cannot pile up (challenges live minutes, never a day).
 */
const CHALLENGE_PURGE_MS = 86_400_000;

function toPasskey(row: Row): PasskeyRecord {
  const publicKey = row.public_key;
  if (!(publicKey instanceof Uint8Array)) throw rowShapeError(PASSKEYS, "public_key");
  const deviceType = textColumn(row, PASSKEYS, "device_type");
  if (deviceType !== "singleDevice" && deviceType !== "multiDevice") throw rowShapeError(PASSKEYS, "device_type");
  return {
    id: textColumn(row, PASSKEYS, "id"),
    userId: textColumn(row, PASSKEYS, "user_id"),
    credentialId: textColumn(row, PASSKEYS, "credential_id"),
    publicKey: new Uint8Array(publicKey),
    counter: bigintColumn(row, PASSKEYS, "counter"),
    transports: textArrayColumn(row, PASSKEYS, "transports"),
    deviceType,
    backedUp: booleanColumn(row, PASSKEYS, "backed_up"),
    name: textColumn(row, PASSKEYS, "name"),
    createdAt: bigintColumn(row, PASSKEYS, "created_at"),
    lastUsedAt: nullableBigintColumn(row, PASSKEYS, "last_used_at"),
  };
}

function toPurpose(value: string): WebauthnChallengePurpose {
  if (value === "register" || value === "login" || value === "second_factor") return value;
  throw new Error(`A ${CHALLENGES} row has an unknown purpose "${value}".`);
}

function toChallenge(row: Row): WebauthnChallengeRecord {
  return {
    challengeHash: textColumn(row, CHALLENGES, "challenge_hash"),
    purpose: toPurpose(textColumn(row, CHALLENGES, "purpose")),
    userId: nullableTextColumn(row, CHALLENGES, "user_id"),
    expiresAt: bigintColumn(row, CHALLENGES, "expires_at"),
  };
}

/**
 * A {@link PasskeyStore} over a pool connected to a migrated database. `consumeChallenge` is
 * one `DELETE … RETURNING` (row locks make exactly one of any number of racing calls get the
 * row), `recordUse` one `UPDATE … WHERE counter = $n` (compare-and-set), and the credential
 * id's UNIQUE constraint refuses a second registration of one authenticator key.
 */
export function postgresPasskeyStore(pool: Pool): PasskeyStore {
  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStoreError("passkey", error);
    }
  }

  return {
    createCredential: (record) =>
      guarded(async () => {
        const result = await pool.query(
          `INSERT INTO ${PASSKEYS} (id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
          [
            record.id,
            record.userId,
            record.credentialId,
            Buffer.from(record.publicKey),
            record.counter,
            [...record.transports],
            record.deviceType,
            record.backedUp,
            record.name,
            record.createdAt,
            record.lastUsedAt,
          ],
        );
        return result.rowCount === 1;
      }),

    listCredentials: (userId) =>
      guarded(async () => {
        const result = await pool.query<Row>(`SELECT * FROM ${PASSKEYS} WHERE user_id = $1 ORDER BY created_at, id`, [
          userId,
        ]);
        return result.rows.map(toPasskey);
      }),

    findByCredentialId: (credentialId) =>
      guarded(async () => {
        const result = await pool.query<Row>(`SELECT * FROM ${PASSKEYS} WHERE credential_id = $1`, [credentialId]);
        const [row] = result.rows;
        return row === undefined ? null : toPasskey(row);
      }),

    renameCredential: (userId, id, name) =>
      guarded(async () => {
        const result = await pool.query(`UPDATE ${PASSKEYS} SET name = $1 WHERE user_id = $2 AND id = $3`, [
          name,
          userId,
          id,
        ]);
        return result.rowCount === 1;
      }),

    deleteCredential: (userId, id) =>
      guarded(async () => {
        const result = await pool.query(`DELETE FROM ${PASSKEYS} WHERE user_id = $1 AND id = $2`, [userId, id]);
        return result.rowCount === 1;
      }),

    recordUse: (id, expectedCounter, counter, usedAt) =>
      guarded(async () => {
        const result = await pool.query(
          `UPDATE ${PASSKEYS} SET counter = $1, last_used_at = $2 WHERE id = $3 AND counter = $4`,
          [counter, usedAt, id, expectedCounter],
        );
        return result.rowCount === 1;
      }),

    deleteUserCredentials: (userId) =>
      guarded(async () => {
        const result = await pool.query(`DELETE FROM ${PASSKEYS} WHERE user_id = $1`, [userId]);
        return result.rowCount ?? 0;
      }),

    saveChallenge: (record) =>
      guarded(() =>
        withTransaction(pool, async (client) => {
          await client.query(`DELETE FROM ${CHALLENGES} WHERE expires_at < $1`, [
            record.expiresAt - CHALLENGE_PURGE_MS,
          ]);
          await client.query(
            `INSERT INTO ${CHALLENGES} (challenge_hash, purpose, user_id, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (challenge_hash) DO UPDATE SET purpose = excluded.purpose, user_id = excluded.user_id, expires_at = excluded.expires_at`,
            [record.challengeHash, record.purpose, record.userId, record.expiresAt],
          );
        }),
      ),

    consumeChallenge: (challengeHash, purpose, now) =>
      guarded(async () => {
        const result = await pool.query<Row>(
          `DELETE FROM ${CHALLENGES} WHERE challenge_hash = $1 AND purpose = $2 RETURNING *`,
          [challengeHash, purpose],
        );
        const [row] = result.rows;
        if (row === undefined) return null;
        const challenge = toChallenge(row);
        return challenge.expiresAt > now ? challenge : null;
      }),
  };
}
