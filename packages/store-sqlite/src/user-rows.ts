import type { UserRecord } from "@latchkey/core";

/**
 * The user columns, with the user's group names and effective permissions (direct ones plus
 * those of their groups) folded into sorted JSON arrays by correlated subqueries, so one
 * `.get()` returns everything `getUserById` needs. `u` is the `latchkey_users` alias.
 */
export const USER_COLUMNS = `u.id AS id, u.username AS username, u.email AS email,
  u.first_name AS firstName, u.last_name AS lastName, u.is_active AS isActive, u.is_staff AS isStaff,
  u.is_superuser AS isSuperuser, u.password_hash AS passwordHash, u.date_joined AS dateJoined,
  u.last_login AS lastLogin,
  (SELECT json_group_array(g.name ORDER BY g.name)
     FROM latchkey_user_groups ug JOIN latchkey_groups g ON g.id = ug.group_id
     WHERE ug.user_id = u.id) AS groupNames,
  (SELECT json_group_array(p.permission ORDER BY p.permission) FROM (
       SELECT permission FROM latchkey_user_permissions WHERE user_id = u.id
       UNION
       SELECT gp.permission FROM latchkey_user_groups ug
         JOIN latchkey_group_permissions gp ON gp.group_id = ug.group_id
       WHERE ug.user_id = u.id) p) AS permissionNames`;

function rowShapeError(): Error {
  return new Error("A latchkey_users row does not have the expected columns; is the schema current?");
}

/** Parses one of the JSON name arrays built by {@link USER_COLUMNS}, checking every element. */
function parseNames(json: unknown): string[] {
  if (typeof json !== "string") throw rowShapeError();
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value)) throw rowShapeError();
  const names: string[] = [];
  for (const item of value) {
    if (typeof item !== "string") throw rowShapeError();
    names.push(item);
  }
  return names;
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === "string";
}

/** Stored flags are 0/1 (CHECK constraints); anything else means the row is not ours. */
function isFlag(value: unknown): value is 0 | 1 {
  return value === 0 || value === 1;
}

/** Builds a {@link UserRecord} from a row selected with {@link USER_COLUMNS}, checking each field. */
export function toUserRecord(row: unknown): UserRecord {
  if (
    typeof row === "object" &&
    row !== null &&
    "id" in row &&
    typeof row.id === "number" &&
    "username" in row &&
    typeof row.username === "string" &&
    "email" in row &&
    typeof row.email === "string" &&
    "firstName" in row &&
    typeof row.firstName === "string" &&
    "lastName" in row &&
    typeof row.lastName === "string" &&
    "isActive" in row &&
    isFlag(row.isActive) &&
    "isStaff" in row &&
    isFlag(row.isStaff) &&
    "isSuperuser" in row &&
    isFlag(row.isSuperuser) &&
    "passwordHash" in row &&
    isNullableString(row.passwordHash) &&
    "dateJoined" in row &&
    typeof row.dateJoined === "number" &&
    "lastLogin" in row &&
    (row.lastLogin === null || typeof row.lastLogin === "number") &&
    "groupNames" in row &&
    "permissionNames" in row
  ) {
    return {
      id: row.id,
      username: row.username,
      email: row.email,
      firstName: row.firstName,
      lastName: row.lastName,
      isActive: row.isActive === 1,
      isStaff: row.isStaff === 1,
      isSuperuser: row.isSuperuser === 1,
      groups: parseNames(row.groupNames),
      permissions: parseNames(row.permissionNames),
      dateJoined: row.dateJoined,
      lastLogin: row.lastLogin,
      passwordHash: row.passwordHash,
    };
  }
  throw rowShapeError();
}
