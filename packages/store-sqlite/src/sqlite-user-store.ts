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
import type Database from "better-sqlite3";
import { createCachedReads } from "./cached-reads.js";
import type { ChangeWatch } from "./change-watch.js";
import { prepareGroupStatements } from "./group-permissions.js";
import { toStoreError } from "./store-error.js";
import { toUserRecord, USER_COLUMNS } from "./user-rows.js";

/** A {@link UserStore} over SQLite, plus group administration. */
export type SqliteUserStore = FullUserStore & BatchUserStore;

function isUsernameKeyConflict(error: unknown): boolean {
  return (
    error instanceof Error &&
    "code" in error &&
    error.code === "SQLITE_CONSTRAINT_UNIQUE" &&
    error.message.includes("latchkey_users.username_key")
  );
}

/** 1/0 for SQLite, which has no boolean type (better-sqlite3 refuses to bind `true`). */
function flag(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

/** Named parameters of the patch statement: `set_x` says whether column x changes. */
interface PatchParameters {
  id: number;
  set_email: 0 | 1;
  email: string | null;
  set_first_name: 0 | 1;
  first_name: string | null;
  set_last_name: 0 | 1;
  last_name: string | null;
  set_is_active: 0 | 1;
  is_active: 0 | 1 | null;
  set_is_staff: 0 | 1;
  is_staff: 0 | 1 | null;
  set_is_superuser: 0 | 1;
  is_superuser: 0 | 1 | null;
  set_password_hash: 0 | 1;
  password_hash: string | null;
  set_last_login: 0 | 1;
  last_login: number | null;
}

const PATCHABLE_COLUMNS = [
  "email",
  "first_name",
  "last_name",
  "is_active",
  "is_staff",
  "is_superuser",
  "password_hash",
  "last_login",
] as const;

function patchParameters(id: number, patch: UserPatch): PatchParameters {
  const optionalFlag = (value: boolean | undefined): 0 | 1 | null => (value === undefined ? null : flag(value));
  return {
    id,
    set_email: flag(patch.email !== undefined),
    email: patch.email ?? null,
    set_first_name: flag(patch.firstName !== undefined),
    first_name: patch.firstName ?? null,
    set_last_name: flag(patch.lastName !== undefined),
    last_name: patch.lastName ?? null,
    set_is_active: flag(patch.isActive !== undefined),
    is_active: optionalFlag(patch.isActive),
    set_is_staff: flag(patch.isStaff !== undefined),
    is_staff: optionalFlag(patch.isStaff),
    set_is_superuser: flag(patch.isSuperuser !== undefined),
    is_superuser: optionalFlag(patch.isSuperuser),
    set_password_hash: flag(patch.passwordHash !== undefined),
    password_hash: patch.passwordHash ?? null,
    set_last_login: flag(patch.lastLogin !== undefined),
    last_login: patch.lastLogin ?? null,
  };
}

/** Options of {@link sqliteUserStore}. */
export interface SqliteUserStoreOptions {
  /**
   * Users kept in memory once read by id, so an authenticated request costs one tiny
   * statement instead of the user query (with its groups and permissions). Exact, not
   * time-bounded: dropped whenever the file may have changed behind this store (another
   * process committed, or this connection wrote outside the stores). 0 turns it off.
   * @default 10000
   */
  cacheEntries?: number;
  /**
   * The connection's change watch, shared with the session store (sqliteStores does this).
   * @default a watch of its own
   */
  watch?: ChangeWatch;
}

/** The record frozen, arrays included (see CachedReadsSource.freeze). */
function freeze(user: UserRecord): UserRecord {
  Object.freeze(user.groups);
  Object.freeze(user.permissions);
  return Object.freeze(user);
}

/**
 * A {@link UserStore} over a migrated better-sqlite3 connection. Ids are the table's integer
 * row ids; `getUserById` takes their string form. Statements are prepared once here;
 * `getUserById` (run on each authenticated request) answers from the read cache after one
 * `data_version` probe, or with a single `.get()`.
 */
export function sqliteUserStore(database: Database.Database, options: SqliteUserStoreOptions = {}): SqliteUserStore {
  const byId = database
    .prepare<[number]>(`SELECT ${USER_COLUMNS} FROM latchkey_users u WHERE u.id = ?`)
    .safeIntegers(false);
  // Keyed by the id's string form; getUserById lets only a canonical one (parseRowId) through.
  const users = createCachedReads(database, options, {
    store: "user",
    read: (id) => byId.get(Number(id)),
    toRecord: toUserRecord,
    freeze,
  });
  const { cache, watch } = users;
  const byKey = database
    .prepare<[string]>(`SELECT ${USER_COLUMNS} FROM latchkey_users u WHERE u.username_key = ?`)
    .safeIntegers(false);
  const list = database
    .prepare<[number, number]>(`SELECT ${USER_COLUMNS} FROM latchkey_users u ORDER BY u.id LIMIT ? OFFSET ?`)
    .safeIntegers(false);
  const insert = database
    .prepare<[string, string, string, string, string, 0 | 1, 0 | 1, 0 | 1, string | null, number]>(
      `INSERT INTO latchkey_users (username, username_key, email, first_name, last_name, is_active, is_staff,
         is_superuser, password_hash, date_joined) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .pluck()
    .safeIntegers(false);
  // One statement for every patch shape: each column keeps its value unless its set_ flag is 1,
  // so nothing is built per call and a patch never reads-then-writes (no lost update).
  const setColumns = PATCHABLE_COLUMNS.map((c) => `${c} = CASE WHEN @set_${c} THEN @${c} ELSE ${c} END`).join(", ");
  const update = database.prepare<[PatchParameters]>(`UPDATE latchkey_users SET ${setColumns} WHERE id = @id`);
  // A patch of the user's own columns (a login's last-login time) in one statement and one
  // write transaction: the row comes back from RETURNING, not from a second read.
  // (RETURNING cannot see the alias `u` that USER_COLUMNS uses, so it names the table.)
  const returnedColumns = USER_COLUMNS.replace(/\bu\./g, "latchkey_users.");
  const updateReturning = database
    .prepare<[PatchParameters]>(`UPDATE latchkey_users SET ${setColumns} WHERE id = @id RETURNING ${returnedColumns}`)
    .safeIntegers(false);
  const groups = prepareGroupStatements(database);
  const byEmail = database
    .prepare<[string]>(
      `SELECT ${USER_COLUMNS} FROM latchkey_users u WHERE lower(u.email) = lower(?) ORDER BY u.id LIMIT 1`,
    )
    .safeIntegers(false);
  // Groups and permissions go with the row (ON DELETE CASCADE, foreign keys are on).
  const remove = database.prepare<[number]>("DELETE FROM latchkey_users WHERE id = ?");

  /** Inserts the user with their groups and permissions; the caller holds the transaction. */
  function insertUser(user: NewUser): number {
    const id = insert.get(
      user.username,
      user.usernameKey,
      user.email,
      user.firstName,
      user.lastName,
      flag(user.isActive),
      flag(user.isStaff),
      flag(user.isSuperuser),
      user.passwordHash,
      user.dateJoined,
    );
    if (typeof id !== "number") throw new Error("INSERT INTO latchkey_users returned no id.");
    groups.setUserGroups(id, user.groups);
    groups.setUserPermissions(id, user.permissions);
    return id;
  }

  const create = database.transaction((user: NewUser): unknown => byId.get(insertUser(user)));

  const setLastLogin = database.prepare<[number, number]>("UPDATE latchkey_users SET last_login = ? WHERE id = ?");
  // One transaction for the whole batch: a failure at any user rolls back every user before it.
  const createBatch = database.transaction((batch: readonly ImportedUser[]): unknown[] =>
    batch.map((user) => {
      let id: number;
      try {
        id = insertUser(user);
      } catch (error) {
        // Name the user whose key was taken; the throw rolls the whole batch back.
        if (isUsernameKeyConflict(error)) throw new UsernameTakenError(user.username);
        throw error;
      }
      if (user.lastLogin !== null) setLastLogin.run(user.lastLogin, id);
      return byId.get(id);
    }),
  );

  const patchWithGroups = database.transaction((id: number, patch: UserPatch): unknown => {
    if (update.run(patchParameters(id, patch)).changes === 0) return undefined;
    if (patch.groups !== undefined) groups.setUserGroups(id, patch.groups);
    if (patch.permissions !== undefined) groups.setUserPermissions(id, patch.permissions);
    return byId.get(id);
  });
  const patchUser = (id: number, patch: UserPatch): unknown =>
    patch.groups === undefined && patch.permissions === undefined
      ? updateReturning.get(patchParameters(id, patch))
      : patchWithGroups(id, patch);

  const grant = database.transaction((groupName: string, permissions: readonly string[]): void => {
    groups.setGroupPermissions(groups.groupId(groupName), permissions);
  });

  return {
    async getUserById(id: string): Promise<UserRecord | null> {
      return parseRowId(id) === null ? null : users.get(id);
    },

    peekUserById: (id: string): UserRecord | undefined => (parseRowId(id) === null ? undefined : users.peek(id)),

    async getUserByUsernameKey(usernameKey: string): Promise<UserRecord | null> {
      let row: unknown;
      try {
        row = byKey.get(usernameKey);
      } catch (error) {
        throw toStoreError("user", error);
      }
      return row === undefined ? null : toUserRecord(row);
    },

    async createUser(user: NewUser): Promise<UserRecord> {
      let row: unknown;
      try {
        watch.generation();
        row = create(user);
        // A new id: nothing cached to drop.
        watch.ownWrite();
      } catch (error) {
        if (isUsernameKeyConflict(error)) throw new UsernameTakenError(user.username);
        throw toStoreError("user", error);
      }
      return toUserRecord(row);
    },

    async createUsersAtomically(batch: readonly ImportedUser[]): Promise<UserRecord[]> {
      let rows: unknown[];
      try {
        watch.generation();
        rows = createBatch(batch);
        // New ids: nothing cached to drop.
        watch.ownWrite();
      } catch (error) {
        if (error instanceof UsernameTakenError) throw error;
        throw toStoreError("user", error);
      }
      return rows.map(toUserRecord);
    },

    async updateUser(id: string, patch: UserPatch): Promise<UserRecord | null> {
      const rowId = parseRowId(id);
      if (rowId === null) return null;
      let row: unknown;
      try {
        watch.generation();
        row = patchUser(rowId, patch);
        cache.delete(id);
        watch.ownWrite();
      } catch (error) {
        throw toStoreError("user", error);
      }
      return row === undefined ? null : toUserRecord(row);
    },

    async listUsers(options: { limit: number; offset: number }): Promise<UserRecord[]> {
      let rows: unknown[];
      try {
        rows = list.all(Math.max(0, Math.floor(options.limit)), Math.max(0, Math.floor(options.offset)));
      } catch (error) {
        throw toStoreError("user", error);
      }
      return rows.map(toUserRecord);
    },

    async getUserByEmail(email: string): Promise<UserRecord | null> {
      if (email === "") return null;
      let row: unknown;
      try {
        row = byEmail.get(email);
      } catch (error) {
        throw toStoreError("user", error);
      }
      return row === undefined ? null : toUserRecord(row);
    },

    async deleteUser(id: string): Promise<boolean> {
      const rowId = parseRowId(id);
      if (rowId === null) return false;
      try {
        watch.generation();
        const deleted = remove.run(rowId).changes > 0;
        cache.delete(id);
        watch.ownWrite();
        return deleted;
      } catch (error) {
        throw toStoreError("user", error);
      }
    },

    async setGroupPermissions(groupName: string, permissions: readonly string[]): Promise<void> {
      try {
        watch.generation();
        grant(groupName, permissions);
        // Every member's permissions changed.
        cache.clear();
        watch.ownWrite();
      } catch (error) {
        throw toStoreError("user", error);
      }
    },
  };
}
