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
 * those of their groups) as sorted (byte-wise), duplicate-free `text[]`: columns of the row
 * itself, kept exact by triggers in the same transaction as every change to groups and
 * permissions (migration 6, see privilege-columns.ts), so a read computes nothing per row.
 * `u` is the `latchkey_users` alias.
 */
export const USER_COLUMNS = `u.id, u.username, u.email, u.first_name, u.last_name, u.is_active, u.is_staff,
  u.is_superuser, u.password_hash, u.date_joined, u.last_login, u.group_names,
  u.effective_permissions AS permission_names`;

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
