import Database from "better-sqlite3";
import pg from "pg";

// Read-only access to a Django database's auth and session tables: SQLite through
// better-sqlite3 opened read-only, PostgreSQL inside one READ ONLY, REPEATABLE READ
// transaction (one consistent snapshot, and a statement that writes fails). Django's own
// table names (`auth_user`, `auth_group`, ...) with its default app labels.

/** One row of `auth_user`, with dates in milliseconds since the epoch. */
export interface DjangoUser {
  id: string;
  username: string;
  password: string;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  dateJoined: number;
  lastLogin: number | null;
}

/** One live row of `django_session`. */
export interface DjangoSession {
  key: string;
  data: string;
  expiresAt: number;
}

/** A Django database, read page by page in primary-key order. */
export interface DjangoSource {
  /** Rows in one of the tables read, for the progress bar. */
  count(table: "auth_user" | "django_session"): Promise<number>;
  /** Up to `limit` users with an id above `afterId` (numeric order). */
  users(afterId: string | null, limit: number): Promise<DjangoUser[]>;
  /** Group names of each of these users. */
  groupsOf(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Direct permissions (`app_label.codename`) of each of these users. */
  permissionsOf(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Every group with its permissions. */
  groups(): Promise<Map<string, string[]>>;
  /** Up to `limit` sessions (expired ones included) with a key above `afterKey`, in key order. */
  sessions(afterKey: string | null, limit: number): Promise<DjangoSession[]>;
  close(): Promise<void>;
}

type Row = Record<string, unknown>;

/** Runs SQL written with `?` placeholders. */
type Query = (sql: string, params: readonly unknown[]) => Promise<Row[]>;

/** Django's SQLite datetimes are UTC text `YYYY-MM-DD HH:MM:SS[.ffffff]` (USE_TZ = True). */
function toMillis(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string") {
    const iso = value.replace(" ", "T").replace(/(\.\d{3})\d*/, "$1");
    const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function text(value: unknown): string {
  return value === null || value === undefined ? "" : String(value);
}

function grouped(rows: Row[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of rows) {
    const key = text(row.owner);
    const list = out.get(key) ?? [];
    list.push(text(row.item));
    out.set(key, list);
  }
  return out;
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => "?").join(", ");
}

const PERMISSION = "ct.app_label || '.' || p.codename";

function sourceOver(query: Query, close: () => Promise<void>): DjangoSource {
  return {
    async count(table) {
      const [row] = await query(
        `SELECT count(*) AS n FROM ${table === "auth_user" ? "auth_user" : "django_session"}`,
        [],
      );
      return Number(row?.n ?? 0);
    },
    async users(afterId, limit) {
      const rows = await query(
        `SELECT id, username, password, email, first_name, last_name, is_active, is_staff, is_superuser, date_joined, last_login
         FROM auth_user WHERE id > ? ORDER BY id LIMIT ?`,
        [afterId === null ? 0 : Number(afterId), limit],
      );
      return rows.map((row) => ({
        id: text(row.id),
        username: text(row.username),
        password: text(row.password),
        email: text(row.email),
        firstName: text(row.first_name),
        lastName: text(row.last_name),
        isActive: Boolean(row.is_active),
        isStaff: Boolean(row.is_staff),
        isSuperuser: Boolean(row.is_superuser),
        dateJoined: toMillis(row.date_joined) ?? 0,
        lastLogin: toMillis(row.last_login),
      }));
    },
    async groupsOf(userIds) {
      if (userIds.length === 0) return new Map();
      return grouped(
        await query(
          `SELECT ug.user_id AS owner, g.name AS item FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
           WHERE ug.user_id IN (${placeholders(userIds.length)}) ORDER BY g.name`,
          userIds.map(Number),
        ),
      );
    },
    async permissionsOf(userIds) {
      if (userIds.length === 0) return new Map();
      return grouped(
        await query(
          `SELECT up.user_id AS owner, ${PERMISSION} AS item FROM auth_user_user_permissions up
           JOIN auth_permission p ON p.id = up.permission_id JOIN django_content_type ct ON ct.id = p.content_type_id
           WHERE up.user_id IN (${placeholders(userIds.length)}) ORDER BY item`,
          userIds.map(Number),
        ),
      );
    },
    async groups() {
      const names = await query("SELECT name FROM auth_group ORDER BY name", []);
      const granted = grouped(
        await query(
          `SELECT g.name AS owner, ${PERMISSION} AS item FROM auth_group_permissions gp JOIN auth_group g ON g.id = gp.group_id
           JOIN auth_permission p ON p.id = gp.permission_id JOIN django_content_type ct ON ct.id = p.content_type_id ORDER BY item`,
          [],
        ),
      );
      return new Map(names.map((row) => [text(row.name), granted.get(text(row.name)) ?? []]));
    },
    async sessions(afterKey, limit) {
      // Expiry is compared by the caller, not in SQL: SQLite keeps it as text, PostgreSQL as a timestamp.
      const rows = await query(
        "SELECT session_key, session_data, expire_date FROM django_session WHERE session_key > ? ORDER BY session_key LIMIT ?",
        [afterKey ?? "", limit],
      );
      return rows.map((row) => ({
        key: text(row.session_key),
        data: text(row.session_data),
        expiresAt: toMillis(row.expire_date) ?? 0,
      }));
    },
    close,
  };
}

/** Opens `sqlite:///path/db.sqlite3` read-only (the file must exist). */
function openSqlite(path: string): DjangoSource {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.exec("BEGIN"); // one read snapshot for the whole import
  return sourceOver(
    async (sql, params) => db.prepare(sql).all(...params) as Row[],
    async () => {
      db.close();
    },
  );
}

/** Connects to `postgres://…` in a read-only snapshot transaction. */
async function openPostgres(url: string): Promise<DjangoSource> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  } catch (error) {
    await client.end();
    throw error;
  }
  return sourceOver(
    async (sql, params) => {
      let n = 0;
      const numbered = sql.replace(/\?/g, () => `$${++n}`);
      return (await client.query(numbered, [...params])).rows as Row[];
    },
    async () => {
      await client.query("ROLLBACK").catch(() => undefined);
      await client.end();
    },
  );
}

/**
 * Opens a Django database from `sqlite:///absolute/path` (also `sqlite:////absolute/path`,
 * as dj-database-url writes it), `sqlite:relative/path` or a
 * `postgres://` / `postgresql://` URL.
 * @throws Error with a message for the user when the URL is of another kind.
 */
export async function openDjangoSource(url: string): Promise<DjangoSource> {
  if (url.startsWith("sqlite://"))
    return openSqlite(decodeURIComponent(url.slice("sqlite://".length).replace(/^\/\//, "/")));
  if (url.startsWith("sqlite:")) return openSqlite(decodeURIComponent(url.slice("sqlite:".length)));
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return openPostgres(url);
  throw new Error(
    `the Django database must be a sqlite:///path/db.sqlite3 or postgres:// URL, not "${url.split(":")[0]}:…".`,
  );
}
