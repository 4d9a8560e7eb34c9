import type Database from "better-sqlite3";

/**
 * Prepared statements for group membership and permissions, shared by the user store and
 * {@link setGroupPermissions}. Callers run them inside a transaction.
 */
export interface GroupStatements {
  /** The group's id, creating the group if it does not exist. */
  groupId(name: string): number;
  /** Makes `names` (deduplicated) the user's groups, creating missing groups. */
  setUserGroups(userId: number, names: readonly string[]): void;
  /** Makes `permissions` (deduplicated) the user's direct permissions. */
  setUserPermissions(userId: number, permissions: readonly string[]): void;
  /** Makes `permissions` (deduplicated) the permissions the group grants. */
  setGroupPermissions(groupId: number, permissions: readonly string[]): void;
}

/** Prepares the {@link GroupStatements} once for `database`. */
export function prepareGroupStatements(database: Database.Database): GroupStatements {
  // DO UPDATE (a no-op write) rather than DO NOTHING so RETURNING yields the id of an existing group too.
  const upsertGroup = database
    .prepare<[string]>(
      "INSERT INTO latchkey_groups (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
    )
    .pluck()
    .safeIntegers(false);
  const clearUserGroups = database.prepare<[number]>("DELETE FROM latchkey_user_groups WHERE user_id = ?");
  const addUserGroup = database.prepare<[number, number]>(
    "INSERT OR IGNORE INTO latchkey_user_groups (user_id, group_id) VALUES (?, ?)",
  );
  const clearUserPermissions = database.prepare<[number]>("DELETE FROM latchkey_user_permissions WHERE user_id = ?");
  const addUserPermission = database.prepare<[number, string]>(
    "INSERT OR IGNORE INTO latchkey_user_permissions (user_id, permission) VALUES (?, ?)",
  );
  const clearGroupPermissions = database.prepare<[number]>("DELETE FROM latchkey_group_permissions WHERE group_id = ?");
  const addGroupPermission = database.prepare<[number, string]>(
    "INSERT OR IGNORE INTO latchkey_group_permissions (group_id, permission) VALUES (?, ?)",
  );

  function groupId(name: string): number {
    const id = upsertGroup.get(name);
    if (typeof id !== "number") throw new Error(`Could not create the group "${name}".`);
    return id;
  }

  return {
    groupId,
    setUserGroups(userId, names) {
      clearUserGroups.run(userId);
      for (const name of names) addUserGroup.run(userId, groupId(name));
    },
    setUserPermissions(userId, permissions) {
      clearUserPermissions.run(userId);
      for (const permission of permissions) addUserPermission.run(userId, permission);
    },
    setGroupPermissions(id, permissions) {
      clearGroupPermissions.run(id);
      for (const permission of permissions) addGroupPermission.run(id, permission);
    },
  };
}

/**
 * Makes `permissions` exactly what the group `groupName` grants, creating the group if needed,
 * in one transaction. Members see the change on their next request. For administration
 * (CLI, seed scripts); `database` must be migrated.
 */
export function setGroupPermissions(
  database: Database.Database,
  groupName: string,
  permissions: readonly string[],
): void {
  const statements = prepareGroupStatements(database);
  database.transaction(() => statements.setGroupPermissions(statements.groupId(groupName), permissions))();
}
