import {
  parseRowId,
  UsernameTakenError,
  type BatchUserStore,
  type FullUserStore,
  type ImportedUser,
  type NewUser,
  type UserPatch,
  type UserRecord,
} from "@latchkey/core";
import type { Pool, PoolClient } from "pg";
import { lockPrivileges, setGroupPermissions, setUserGroups, setUserPermissions } from "./group-permissions.js";
import { bigintColumn, type Row } from "./rows.js";
import { toStoreError } from "./store-error.js";
import { withTransaction } from "./transaction.js";
import { toUserRecord, USER_COLUMNS } from "./user-rows.js";

/** A {@link UserStore} over PostgreSQL, plus group administration. */
export type PostgresUserStore = FullUserStore & BatchUserStore;

/** The unique constraint on `username_key`, named in the migration. */
const USERNAME_KEY_CONSTRAINT = "latchkey_users_username_key_unique";

function isUsernameKeyConflict(error: unknown): boolean {
  return (
    error instanceof Error &&
    "code" in error &&
    error.code === "23505" &&
    "constraint" in error &&
    error.constraint === USERNAME_KEY_CONSTRAINT
  );
}

const SELECT_BY_ID = `SELECT ${USER_COLUMNS} FROM latchkey_users u WHERE u.id = $1`;

async function selectById(client: PoolClient, id: number): Promise<UserRecord | null> {
  const result = await client.query<Row>(SELECT_BY_ID, [id]);
  const [row] = result.rows;
  return row === undefined ? null : toUserRecord(row);
}

/** Inserts the user with their groups and permissions on `client`, which holds the transaction. */
async function insertUser(client: PoolClient, user: NewUser, lastLogin: number | null): Promise<UserRecord> {
  const inserted = await client.query<Row>(
    `INSERT INTO latchkey_users (username, username_key, email, first_name, last_name, is_active, is_staff,
       is_superuser, password_hash, date_joined, last_login) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [
      user.username,
      user.usernameKey,
      user.email,
      user.firstName,
      user.lastName,
      user.isActive,
      user.isStaff,
      user.isSuperuser,
      user.passwordHash,
      user.dateJoined,
      lastLogin,
    ],
  );
  const [row] = inserted.rows;
  if (row === undefined) throw new Error("INSERT INTO latchkey_users returned no id.");
  const id = bigintColumn(row, "latchkey_users", "id");
  // A new row's arrays start empty (the column default); a user with none (every sign-up)
  // then takes no privilege lock, so sign-ups never queue behind one another.
  if (user.groups.length > 0) await setUserGroups(client, id, user.groups);
  if (user.permissions.length > 0) await setUserPermissions(client, id, user.permissions);
  const created = await selectById(client, id);
  if (created === null) throw new Error("A user just inserted could not be read back.");
  return created;
}

/**
 * One statement for every patch shape: each column keeps its value unless its flag parameter
 * is true, so nothing is built per call and a patch never reads-then-writes (no lost update).
 */
const UPDATE_USER = `UPDATE latchkey_users SET
    email = CASE WHEN $2::boolean THEN $3::text ELSE email END,
    first_name = CASE WHEN $4::boolean THEN $5::text ELSE first_name END,
    last_name = CASE WHEN $6::boolean THEN $7::text ELSE last_name END,
    is_active = CASE WHEN $8::boolean THEN $9::boolean ELSE is_active END,
    is_staff = CASE WHEN $10::boolean THEN $11::boolean ELSE is_staff END,
    is_superuser = CASE WHEN $12::boolean THEN $13::boolean ELSE is_superuser END,
    password_hash = CASE WHEN $14::boolean THEN $15::text ELSE password_hash END,
    last_login = CASE WHEN $16::boolean THEN $17::bigint ELSE last_login END
  WHERE id = $1 RETURNING id`;

function patchValues(id: number, patch: UserPatch): unknown[] {
  const field = (value: unknown): [boolean, unknown] => [value !== undefined, value ?? null];
  return [
    id,
    ...field(patch.email),
    ...field(patch.firstName),
    ...field(patch.lastName),
    ...field(patch.isActive),
    ...field(patch.isStaff),
    ...field(patch.isSuperuser),
    ...field(patch.passwordHash),
    ...field(patch.lastLogin),
  ];
}

/**
 * A {@link UserStore} over a pool connected to a migrated database. Ids are the table's
 * `bigint` identity values; `getUserById` takes their string form. Writes run in one
 * transaction each, so a user never appears without their groups and permissions.
 */
export function postgresUserStore(pool: Pool): PostgresUserStore {
  /** Runs `work`, turning an outage into StoreUnavailableError("user"). */
  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStoreError("user", error);
    }
  }

  return {
    getUserById: (id) =>
      guarded(async () => {
        const rowId = parseRowId(id);
        if (rowId === null) return null;
        const result = await pool.query<Row>({ name: "latchkey-user-by-id", text: SELECT_BY_ID, values: [rowId] });
        const [row] = result.rows;
        return row === undefined ? null : toUserRecord(row);
      }),

    getUserByUsernameKey: (usernameKey) =>
      guarded(async () => {
        const result = await pool.query<Row>(`SELECT ${USER_COLUMNS} FROM latchkey_users u WHERE u.username_key = $1`, [
          usernameKey,
        ]);
        const [row] = result.rows;
        return row === undefined ? null : toUserRecord(row);
      }),

    createUser: (user: NewUser) =>
      guarded(async () => {
        try {
          return await withTransaction(pool, (client) => insertUser(client, user, null));
        } catch (error) {
          if (isUsernameKeyConflict(error)) throw new UsernameTakenError(user.username);
          throw error;
        }
      }),

    createUsersAtomically: (batch: readonly ImportedUser[]) =>
      guarded(() =>
        // One transaction for the whole batch: a failure at any user rolls back every user before it.
        withTransaction(pool, async (client) => {
          const created: UserRecord[] = [];
          for (const user of batch) {
            try {
              created.push(await insertUser(client, user, user.lastLogin));
            } catch (error) {
              if (isUsernameKeyConflict(error)) throw new UsernameTakenError(user.username);
              throw error;
            }
          }
          return created;
        }),
      ),

    updateUser: (id: string, patch: UserPatch) =>
      guarded(async () => {
        const rowId = parseRowId(id);
        if (rowId === null) return null;
        return withTransaction(pool, async (client) => {
          // The privilege lock before the row's: a concurrent group change holding the lock and
          // waiting for this row would otherwise deadlock with this transaction.
          if (patch.groups !== undefined || patch.permissions !== undefined) await lockPrivileges(client);
          const updated = await client.query(UPDATE_USER, patchValues(rowId, patch));
          if (updated.rows.length === 0) return null;
          if (patch.groups !== undefined) await setUserGroups(client, rowId, patch.groups);
          if (patch.permissions !== undefined) await setUserPermissions(client, rowId, patch.permissions);
          return selectById(client, rowId);
        });
      }),

    listUsers: (options) =>
      guarded(async () => {
        const result = await pool.query<Row>(
          `SELECT ${USER_COLUMNS} FROM latchkey_users u ORDER BY u.id LIMIT $1 OFFSET $2`,
          [Math.max(0, Math.floor(options.limit)), Math.max(0, Math.floor(options.offset))],
        );
        return result.rows.map(toUserRecord);
      }),

    getUserByEmail: (email) =>
      guarded(async () => {
        if (email === "") return null;
        const result = await pool.query<Row>(
          `SELECT ${USER_COLUMNS} FROM latchkey_users u WHERE lower(u.email) = lower($1) ORDER BY u.id LIMIT 1`,
          [email],
        );
        const [row] = result.rows;
        return row === undefined ? null : toUserRecord(row);
      }),

    deleteUser: (id) =>
      guarded(async () => {
        const rowId = parseRowId(id);
        if (rowId === null) return false;
        // Groups and permissions go with the row (ON DELETE CASCADE).
        const result = await pool.query("DELETE FROM latchkey_users WHERE id = $1", [rowId]);
        return (result.rowCount ?? 0) > 0;
      }),

    setGroupPermissions: (groupName, permissions) => setGroupPermissions(pool, groupName, permissions),
  };
}
