import type { Pool, PoolClient } from "pg";
import { withTransaction } from "./transaction.js";
import { toStoreError } from "./store-error.js";

/** Deduplicated and sorted, so concurrent transactions lock group rows in one order (no deadlock). */
function uniqueSorted(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}

/** Creates the groups that do not exist yet. A concurrent creator of the same group is waited for, not duplicated. */
async function ensureGroups(client: PoolClient, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await client.query("INSERT INTO latchkey_groups (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING", [
    names,
  ]);
}

/**
 * Takes the privilege lock for the rest of the transaction (see privilege-columns.ts): every
 * write to groups and permissions takes it before its first change, so such writes run one
 * after another, each recomputing the users' arrays from every change committed before it,
 * and none holds a row another one waits for while it queues (no deadlock between them).
 */
export async function lockPrivileges(client: PoolClient): Promise<void> {
  await client.query("SELECT latchkey_lock_privileges()");
}

/** Makes `names` the user's groups, creating missing groups. Run inside a transaction. */
export async function setUserGroups(client: PoolClient, userId: number, names: readonly string[]): Promise<void> {
  const groups = uniqueSorted(names);
  await lockPrivileges(client);
  await client.query("DELETE FROM latchkey_user_groups WHERE user_id = $1", [userId]);
  if (groups.length === 0) return;
  await ensureGroups(client, groups);
  await client.query(
    `INSERT INTO latchkey_user_groups (user_id, group_id)
       SELECT $1, id FROM latchkey_groups WHERE name = ANY($2::text[]) ON CONFLICT DO NOTHING`,
    [userId, groups],
  );
}

/** Makes `permissions` the user's direct permissions. Run inside a transaction. */
export async function setUserPermissions(
  client: PoolClient,
  userId: number,
  permissions: readonly string[],
): Promise<void> {
  await lockPrivileges(client);
  await client.query("DELETE FROM latchkey_user_permissions WHERE user_id = $1", [userId]);
  if (permissions.length === 0) return;
  await client.query(
    `INSERT INTO latchkey_user_permissions (user_id, permission)
       SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
    [userId, uniqueSorted(permissions)],
  );
}

/**
 * Makes `permissions` exactly what the group `groupName` grants, creating the group if needed,
 * in one transaction; the triggers rewrite every member's effective permissions in it too.
 * Members see the change on their next request. For administration
 * (CLI, seed scripts); the database must be migrated.
 */
export async function setGroupPermissions(
  pool: Pool,
  groupName: string,
  permissions: readonly string[],
): Promise<void> {
  try {
    await withTransaction(pool, async (client) => {
      await lockPrivileges(client);
      await ensureGroups(client, [groupName]);
      const group = await client.query<{ id: unknown }>("SELECT id FROM latchkey_groups WHERE name = $1", [groupName]);
      const id = group.rows[0]?.id;
      if (id === undefined) throw new Error(`Could not create the group "${groupName}".`);
      await client.query("DELETE FROM latchkey_group_permissions WHERE group_id = $1", [id]);
      if (permissions.length === 0) return;
      await client.query(
        `INSERT INTO latchkey_group_permissions (group_id, permission)
           SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
        [id, uniqueSorted(permissions)],
      );
    });
  } catch (error) {
    throw toStoreError("user", error);
  }
}
