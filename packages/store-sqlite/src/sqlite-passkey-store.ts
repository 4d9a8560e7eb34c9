import type { PasskeyRecord, PasskeyStore, WebauthnChallengePurpose, WebauthnChallengeRecord } from "@latchkey/core";
import type Database from "better-sqlite3";
import { UNWATCHED, type ChangeWatch } from "./change-watch.js";
import { toStoreError } from "./store-error.js";

const PURPOSES: readonly string[] = ["register", "login", "second_factor"];

/**
 * Challenges whose expiry lies this far before a newly saved one's are deleted with the save,
 * so abandoned ceremonies cannot pile up (challenges live minutes, never a day).
 */
const CHALLENGE_PURGE_MS = 86_400_000;

const COLUMNS = `id, user_id AS userId, credential_id AS credentialId, public_key AS publicKey, counter, transports,
  device_type AS deviceType, backed_up AS backedUp, name, created_at AS createdAt, last_used_at AS lastUsedAt`;

function toPasskey(row: unknown): PasskeyRecord {
  if (
    typeof row === "object" &&
    row !== null &&
    "id" in row &&
    typeof row.id === "string" &&
    "userId" in row &&
    typeof row.userId === "string" &&
    "credentialId" in row &&
    typeof row.credentialId === "string" &&
    "publicKey" in row &&
    row.publicKey instanceof Uint8Array &&
    "counter" in row &&
    typeof row.counter === "number" &&
    "transports" in row &&
    typeof row.transports === "string" &&
    "deviceType" in row &&
    (row.deviceType === "singleDevice" || row.deviceType === "multiDevice") &&
    "backedUp" in row &&
    typeof row.backedUp === "number" &&
    "name" in row &&
    typeof row.name === "string" &&
    "createdAt" in row &&
    typeof row.createdAt === "number" &&
    "lastUsedAt" in row &&
    (row.lastUsedAt === null || typeof row.lastUsedAt === "number")
  ) {
    const transports: unknown = JSON.parse(row.transports);
    return {
      id: row.id,
      userId: row.userId,
      credentialId: row.credentialId,
      publicKey: new Uint8Array(row.publicKey),
      counter: row.counter,
      transports: Array.isArray(transports) ? transports.filter((t): t is string => typeof t === "string") : [],
      deviceType: row.deviceType,
      backedUp: row.backedUp === 1,
      name: row.name,
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
    };
  }
  throw new Error("A latchkey_passkeys row does not have the expected columns; is the schema current?");
}

function toChallenge(row: unknown): WebauthnChallengeRecord {
  if (
    typeof row === "object" &&
    row !== null &&
    "challengeHash" in row &&
    typeof row.challengeHash === "string" &&
    "purpose" in row &&
    typeof row.purpose === "string" &&
    PURPOSES.includes(row.purpose) &&
    "userId" in row &&
    (row.userId === null || typeof row.userId === "string") &&
    "expiresAt" in row &&
    typeof row.expiresAt === "number"
  ) {
    return {
      challengeHash: row.challengeHash,
      purpose: row.purpose as WebauthnChallengePurpose,
      userId: row.userId,
      expiresAt: row.expiresAt,
    };
  }
  throw new Error("A latchkey_webauthn_challenges row does not have the expected columns; is the schema current?");
}

/**
 * A {@link PasskeyStore} over a migrated better-sqlite3 connection. Every method is one
 * statement (better-sqlite3 is synchronous), so each is atomic across every process sharing
 * the file: `consumeChallenge` is a `DELETE … RETURNING` (one winner however many race) and
 * `recordUse` an `UPDATE … WHERE counter = ?` (compare-and-set).
 */
export function sqlitePasskeyStore(database: Database.Database, watch: ChangeWatch = UNWATCHED): PasskeyStore {
  const insert = database.prepare<
    [string, string, string, Buffer, number, string, string, number, string, number, number | null]
  >(
    `INSERT INTO latchkey_passkeys (id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const selectByUser = database
    .prepare<[string]>(`SELECT ${COLUMNS} FROM latchkey_passkeys WHERE user_id = ? ORDER BY created_at, id`)
    .safeIntegers(false);
  const selectByCredential = database
    .prepare<[string]>(`SELECT ${COLUMNS} FROM latchkey_passkeys WHERE credential_id = ?`)
    .safeIntegers(false);
  const rename = database.prepare<[string, string, string]>(
    "UPDATE latchkey_passkeys SET name = ? WHERE user_id = ? AND id = ?",
  );
  const remove = database.prepare<[string, string]>("DELETE FROM latchkey_passkeys WHERE user_id = ? AND id = ?");
  const use = database.prepare<[number, number, string, number]>(
    "UPDATE latchkey_passkeys SET counter = ?, last_used_at = ? WHERE id = ? AND counter = ?",
  );
  const removeAll = database.prepare<[string]>("DELETE FROM latchkey_passkeys WHERE user_id = ?");
  const insertChallenge = database.prepare<[string, string, string | null, number]>(
    "INSERT OR REPLACE INTO latchkey_webauthn_challenges (challenge_hash, purpose, user_id, expires_at) VALUES (?, ?, ?, ?)",
  );
  const purgeChallenges = database.prepare<[number]>("DELETE FROM latchkey_webauthn_challenges WHERE expires_at < ?");
  const takeChallenge = database
    .prepare<[string, string]>(
      `DELETE FROM latchkey_webauthn_challenges WHERE challenge_hash = ? AND purpose = ?
       RETURNING challenge_hash AS challengeHash, purpose, user_id AS userId, expires_at AS expiresAt`,
    )
    .safeIntegers(false);
  const saveChallengeTx = database.transaction((record: WebauthnChallengeRecord) => {
    purgeChallenges.run(record.expiresAt - CHALLENGE_PURGE_MS);
    insertChallenge.run(record.challengeHash, record.purpose, record.userId, record.expiresAt);
  });

  function run<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw toStoreError("passkey", error);
    }
  }

  /**
   * Runs a write, keeping the connection's change watch (the session and user read caches) from taking it for someone
   * else's.
   */
  function write<T>(work: () => T): T {
    return run(() => {
      watch.generation();
      const result = work();
      watch.ownWrite();
      return result;
    });
  }

  return {
    async createCredential(record) {
      const result = write(() =>
        insert.run(
          record.id,
          record.userId,
          record.credentialId,
          Buffer.from(record.publicKey),
          record.counter,
          JSON.stringify(record.transports),
          record.deviceType,
          record.backedUp ? 1 : 0,
          record.name,
          record.createdAt,
          record.lastUsedAt,
        ),
      );
      return result.changes === 1;
    },
    async listCredentials(userId) {
      return run(() => selectByUser.all(userId)).map(toPasskey);
    },
    async findByCredentialId(credentialId) {
      const row = run(() => selectByCredential.get(credentialId));
      return row === undefined ? null : toPasskey(row);
    },
    async renameCredential(userId, id, name) {
      return write(() => rename.run(name, userId, id)).changes === 1;
    },
    async deleteCredential(userId, id) {
      return write(() => remove.run(userId, id)).changes === 1;
    },
    async recordUse(id, expectedCounter, counter, usedAt) {
      return write(() => use.run(counter, usedAt, id, expectedCounter)).changes === 1;
    },
    async deleteUserCredentials(userId) {
      return write(() => removeAll.run(userId)).changes;
    },
    async saveChallenge(record) {
      write(() => saveChallengeTx.immediate(record));
    },
    async consumeChallenge(challengeHash, purpose, now) {
      const row = write(() => takeChallenge.get(challengeHash, purpose));
      if (row === undefined) return null;
      const challenge = toChallenge(row);
      return challenge.expiresAt > now ? challenge : null;
    },
  };
}
