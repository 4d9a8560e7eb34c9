import type { SessionRecord, UserRecord } from "@latchkey/core";
import type { CustomTypesConfig } from "pg";
import { parse as parseArray } from "postgres-array";
import { nullableTextValue, rowShapeError, sessionKindValue, textValue } from "./rows.js";

const SESSIONS = "latchkey_sessions";
const USERS = "latchkey_users";

/**
 * The columns of the hot read (a session with its user, run once per authenticated request
 * when the session cache is off; `s` is latchkey_sessions, `u` latchkey_users): the session's,
 * then the user's, nulls when the user is missing. Plain columns, so PostgreSQL only prints
 * each value: building one JSON text per row part instead (3 columns for Node to read, not
 * 24) costs PostgreSQL about 2.5 µs more CPU per row (scripts/hot-read-cost.mjs, "json"), about
 * what it saves Node (1 to 3 µs per lookup), and in the bench PostgreSQL shares the server's core. Read with
 * {@link RAW_TEXT} and `rowMode: "array"`, and decoded by {@link createHotReadDecoder}.
 */
export const HOT_READ_COLUMNS = `s.id, s.secret_hash, s.user_id, s.kind, s.created_at, s.last_seen_at, s.expires_at,
  s.absolute_expires_at, s.ip, s.user_agent, s.label, u.id, u.username, u.email, u.first_name, u.last_name,
  u.is_active, u.is_staff, u.is_superuser, u.password_hash, u.date_joined, u.last_login, u.group_names,
  u.effective_permissions`;

/** Where the user's columns start in a row of {@link HOT_READ_COLUMNS}, and how many there are. */
const USER_START = 11;
const USER_COLUMN_COUNT = 13;

/** A row of {@link HOT_READ_COLUMNS} as node-postgres returns it with {@link RAW_TEXT} and `rowMode: "array"`. */
export type HotRow = unknown[];

/**
 * Type parsers that hand back every value as the text PostgreSQL sent, whatever parsers an
 * application set globally with `pg.types.setTypeParser`: the hot read decodes its own columns,
 * and node-postgres then neither looks up a parser per column nor parses a value it does not
 * need (the two `text[]` columns of an unchanged user, see {@link createHotReadDecoder}).
 */
export const RAW_TEXT: CustomTypesConfig = { getTypeParser: () => (value: string) => value };

/** Users whose last columns and record are kept by a decoder, at most; when full, it starts over. */
const MAX_KEPT_USERS = 1_000;

/**
 * A `bigint` printed by PostgreSQL (decimal digits) as a number: latchkey's ids and ms times
 * are safe integers, which this checks (a larger one would lose digits).
 */
function integer(value: unknown, table: string, column: string): number {
  const parsed = typeof value === "string" && value !== "" ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed)) throw rowShapeError(table, column);
  return parsed;
}

/** A `boolean` printed by PostgreSQL: `t` or `f`. */
function boolean(value: unknown, table: string, column: string): boolean {
  if (value === "t") return true;
  if (value === "f") return false;
  throw rowShapeError(table, column);
}

/** A `text[]` printed by PostgreSQL (`{a,"b c"}`), parsed as node-postgres parses it. */
function texts(value: unknown, table: string, column: string): string[] {
  const items: unknown[] = parseArray(textValue(value, table, column));
  for (const item of items) if (typeof item !== "string") throw rowShapeError(table, column);
  return items as string[];
}

function toSession(row: HotRow): SessionRecord {
  return {
    id: textValue(row[0], SESSIONS, "id"),
    secretHash: textValue(row[1], SESSIONS, "secret_hash"),
    userId: textValue(row[2], SESSIONS, "user_id"),
    kind: sessionKindValue(row[3], SESSIONS),
    createdAt: integer(row[4], SESSIONS, "created_at"),
    lastSeenAt: integer(row[5], SESSIONS, "last_seen_at"),
    expiresAt: integer(row[6], SESSIONS, "expires_at"),
    absoluteExpiresAt: integer(row[7], SESSIONS, "absolute_expires_at"),
    ip: nullableTextValue(row[8], SESSIONS, "ip"),
    userAgent: nullableTextValue(row[9], SESSIONS, "user_agent"),
    label: nullableTextValue(row[10], SESSIONS, "label"),
  };
}

function toUser(row: HotRow): UserRecord {
  return {
    id: integer(row[11], USERS, "id"),
    username: textValue(row[12], USERS, "username"),
    email: textValue(row[13], USERS, "email"),
    firstName: textValue(row[14], USERS, "first_name"),
    lastName: textValue(row[15], USERS, "last_name"),
    isActive: boolean(row[16], USERS, "is_active"),
    isStaff: boolean(row[17], USERS, "is_staff"),
    isSuperuser: boolean(row[18], USERS, "is_superuser"),
    passwordHash: nullableTextValue(row[19], USERS, "password_hash"),
    dateJoined: integer(row[20], USERS, "date_joined"),
    lastLogin: row[21] === null ? null : integer(row[21], USERS, "last_login"),
    groups: texts(row[22], USERS, "group_names"),
    permissions: texts(row[23], USERS, "effective_permissions"),
  };
}

/** True if the user columns of `row` are the kept ones, value for value. */
function sameUserColumns(row: HotRow, kept: readonly unknown[]): boolean {
  for (let i = 0; i < USER_COLUMN_COUNT; i++) if (row[USER_START + i] !== kept[i]) return false;
  return true;
}

/** A session and its user (null when the user is missing), as the session store's joined read answers. */
export interface SessionWithUser {
  session: SessionRecord;
  user: UserRecord | null;
}

/**
 * Decodes rows of {@link HOT_READ_COLUMNS}, checking every value instead of casting. Keeps,
 * per user id, the user's columns as PostgreSQL printed them and the record decoded from
 * them, and hands back that same record object when a row brings the same text in every
 * column: core keeps a user's public view and its rendered JSON per record object, so an
 * unchanged user is neither decoded (its arrays not parsed), nor frozen, nor serialised again.
 * Never stale: the row was just read, and the record is reused only when each of its columns
 * is equal byte for byte, so any change (a deactivation, a lost permission, a new password)
 * gives a fresh record on the very read that sees it. Records are never mutated (core
 * freezes what it derives from them).
 */
export function createHotReadDecoder(): (row: HotRow) => SessionWithUser {
  const kept = new Map<string, { columns: unknown[]; user: UserRecord }>();
  return (row) => {
    const session = toSession(row);
    const id = row[USER_START];
    if (id === null) return { session, user: null };
    const key = textValue(id, USERS, "id");
    const last = kept.get(key);
    if (last !== undefined && sameUserColumns(row, last.columns)) return { session, user: last.user };
    const user = toUser(row);
    if (last === undefined && kept.size >= MAX_KEPT_USERS) kept.clear();
    kept.set(key, { columns: row.slice(USER_START, USER_START + USER_COLUMN_COUNT), user });
    return { session, user };
  };
}
