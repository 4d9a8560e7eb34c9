import type { UserRecord } from "@latchkey/core";
import {
  bigintColumn,
  booleanColumn,
  nullableBigintColumn,
  nullableTextColumn,
  textArrayColumn,
  textColumn,
  type Row,
} from "./rows.js";

const TABLE = "latchkey_users";

/**
 * The user columns, with the user's group names and effective permissions (direct ones plus
 * those of their groups) as sorted, duplicate-free `text[]` from subqueries, so one query
 * returns everything `getUserById` needs. Sorted byte-wise (COLLATE "C") so the order does
 * not depend on the database's locale. `u` is the `latchkey_users` alias.
 */
export const USER_COLUMNS = `u.id, u.username, u.email, u.first_name, u.last_name, u.is_active, u.is_staff,
  u.is_superuser, u.password_hash, u.date_joined, u.last_login,
  ARRAY(SELECT g.name FROM latchkey_user_groups ug JOIN latchkey_groups g ON g.id = ug.group_id
        WHERE ug.user_id = u.id ORDER BY g.name COLLATE "C") AS group_names,
  ARRAY(SELECT p.permission FROM (
          SELECT permission FROM latchkey_user_permissions WHERE user_id = u.id
          UNION
          SELECT gp.permission FROM latchkey_user_groups ug
            JOIN latchkey_group_permissions gp ON gp.group_id = ug.group_id
          WHERE ug.user_id = u.id) p
        ORDER BY p.permission COLLATE "C") AS permission_names`;

/** Builds a {@link UserRecord} from a row selected with {@link USER_COLUMNS}, checking each column. */
export function toUserRecord(row: Row): UserRecord {
  return {
    id: bigintColumn(row, TABLE, "id"),
    username: textColumn(row, TABLE, "username"),
    email: textColumn(row, TABLE, "email"),
    firstName: textColumn(row, TABLE, "first_name"),
    lastName: textColumn(row, TABLE, "last_name"),
    isActive: booleanColumn(row, TABLE, "is_active"),
    isStaff: booleanColumn(row, TABLE, "is_staff"),
    isSuperuser: booleanColumn(row, TABLE, "is_superuser"),
    groups: textArrayColumn(row, TABLE, "group_names"),
    permissions: textArrayColumn(row, TABLE, "permission_names"),
    dateJoined: bigintColumn(row, TABLE, "date_joined"),
    lastLogin: nullableBigintColumn(row, TABLE, "last_login"),
    passwordHash: nullableTextColumn(row, TABLE, "password_hash"),
  };
}
