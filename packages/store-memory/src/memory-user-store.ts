import {
  parseRowId,
  UsernameTakenError,
  type FullUserStore,
  type NewUser,
  type UserPatch,
  type UserRecord,
} from "@latchkey/core";

/** A user as the memory store keeps it: direct permissions only; group ones are added on read. */
interface StoredUser {
  id: number;
  username: string;
  usernameKey: string;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  groups: string[];
  directPermissions: string[];
  passwordHash: string | null;
  dateJoined: number;
  lastLogin: number | null;
}

/** A {@link UserStore} kept in memory, plus the group administration a real database would hold. */
export type MemoryUserStore = FullUserStore;

/** Options of {@link memoryUserStore}. */
export interface MemoryUserStoreOptions {
  /**
   * Permissions granted through each group, by group name.
   * @default {}
   */
  groupPermissions?: Readonly<Record<string, readonly string[]>>;
}

/** Sorted, without duplicates: the one order every store returns names in. */
function sortedUnique(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}

/**
 * A {@link UserStore} in `Map`s, for tests and single-process development. Ids are
 * auto-incremented numbers starting at 1; `getUserById` takes their string form.
 */
export function memoryUserStore(options: MemoryUserStoreOptions = {}): MemoryUserStore {
  const users = new Map<number, StoredUser>();
  const idsByKey = new Map<string, number>();
  const groupPermissions = new Map<string, string[]>(
    Object.entries(options.groupPermissions ?? {}).map(([group, permissions]) => [group, sortedUnique(permissions)]),
  );
  let lastId = 0;

  function toRecord(user: StoredUser): UserRecord {
    const permissions = new Set(user.directPermissions);
    for (const group of user.groups) {
      for (const permission of groupPermissions.get(group) ?? []) permissions.add(permission);
    }
    return {
      id: user.id,
      username: user.username,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      isActive: user.isActive,
      isStaff: user.isStaff,
      isSuperuser: user.isSuperuser,
      groups: [...user.groups],
      permissions: sortedUnique(permissions),
      dateJoined: user.dateJoined,
      lastLogin: user.lastLogin,
      passwordHash: user.passwordHash,
    };
  }

  function findById(id: string): StoredUser | undefined {
    const rowId = parseRowId(id);
    return rowId === null ? undefined : users.get(rowId);
  }

  return {
    async getUserById(id: string): Promise<UserRecord | null> {
      const user = findById(id);
      return user === undefined ? null : toRecord(user);
    },

    async getUserByUsernameKey(usernameKey: string): Promise<UserRecord | null> {
      const id = idsByKey.get(usernameKey);
      const user = id === undefined ? undefined : users.get(id);
      return user === undefined ? null : toRecord(user);
    },

    async createUser(user: NewUser): Promise<UserRecord> {
      if (idsByKey.has(user.usernameKey)) throw new UsernameTakenError(user.username);
      lastId += 1;
      const stored: StoredUser = {
        id: lastId,
        username: user.username,
        usernameKey: user.usernameKey,
        email: user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        isActive: user.isActive,
        isStaff: user.isStaff,
        isSuperuser: user.isSuperuser,
        groups: sortedUnique(user.groups),
        directPermissions: sortedUnique(user.permissions),
        passwordHash: user.passwordHash,
        dateJoined: user.dateJoined,
        lastLogin: null,
      };
      users.set(stored.id, stored);
      idsByKey.set(stored.usernameKey, stored.id);
      return toRecord(stored);
    },

    async updateUser(id: string, patch: UserPatch): Promise<UserRecord | null> {
      const user = findById(id);
      if (user === undefined) return null;
      // `!== undefined` rather than `in`: a JavaScript caller's `{ email: undefined }` changes nothing.
      if (patch.email !== undefined) user.email = patch.email;
      if (patch.firstName !== undefined) user.firstName = patch.firstName;
      if (patch.lastName !== undefined) user.lastName = patch.lastName;
      if (patch.isActive !== undefined) user.isActive = patch.isActive;
      if (patch.isStaff !== undefined) user.isStaff = patch.isStaff;
      if (patch.isSuperuser !== undefined) user.isSuperuser = patch.isSuperuser;
      if (patch.groups !== undefined) user.groups = sortedUnique(patch.groups);
      if (patch.permissions !== undefined) user.directPermissions = sortedUnique(patch.permissions);
      if (patch.passwordHash !== undefined) user.passwordHash = patch.passwordHash;
      if (patch.lastLogin !== undefined) user.lastLogin = patch.lastLogin;
      return toRecord(user);
    },

    async listUsers(options: { limit: number; offset: number }): Promise<UserRecord[]> {
      // Map iteration follows insertion, which is id order because ids only grow.
      const start = Math.max(0, options.offset);
      return [...users.values()].slice(start, start + Math.max(0, options.limit)).map(toRecord);
    },

    async getUserByEmail(email: string): Promise<UserRecord | null> {
      if (email === "") return null;
      const wanted = email.toLowerCase();
      for (const user of users.values()) if (user.email.toLowerCase() === wanted) return toRecord(user);
      return null;
    },

    async deleteUser(id: string): Promise<boolean> {
      const user = findById(id);
      if (user === undefined) return false;
      users.delete(user.id);
      idsByKey.delete(user.usernameKey);
      return true;
    },

    async setGroupPermissions(groupName: string, permissions: readonly string[]): Promise<void> {
      groupPermissions.set(groupName, sortedUnique(permissions));
    },
  };
}
