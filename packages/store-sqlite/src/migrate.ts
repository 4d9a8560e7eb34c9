import type Database from "better-sqlite3";
import { sqliteMigrations } from "./migrations.js";

/** A migration, as reported to the operator. */
export interface SqliteMigrationInfo {
  version: number;
  name: string;
}

/** What {@link migrateSqlite} did. */
export interface SqliteMigrationResult {
  /** Migrations run by this call, oldest first; empty when the schema was already current. */
  applied: SqliteMigrationInfo[];
  /** The schema version the database is at now. */
  version: number;
}

/** The database lacks migrations this code needs; thrown by `sqliteStores()` at start-up. */
export class SqliteMigrationsPendingError extends Error {
  /** The missing migrations, oldest first. */
  readonly pending: readonly SqliteMigrationInfo[];

  constructor(databaseName: string, pending: readonly SqliteMigrationInfo[]) {
    const list = pending.map((m) => `${m.version} (${m.name})`).join(", ");
    super(
      `The SQLite database ${databaseName} is missing latchkey schema migration(s) ${list}. ` +
        `Run "latchkey migrate", or call migrateSqlite(database) before sqliteStores().`,
    );
    this.name = "SqliteMigrationsPendingError";
    this.pending = pending;
  }
}

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS latchkey_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`;

function appliedVersions(database: Database.Database): Set<number> {
  const table = database
    .prepare<[]>("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'latchkey_migrations'")
    .get();
  if (table === undefined) return new Set();
  const versions = database.prepare<[]>("SELECT version FROM latchkey_migrations").pluck().safeIntegers(false).all();
  return new Set(versions.filter((v): v is number => typeof v === "number"));
}

/** The migrations this code knows that `database` has not run yet, oldest first. */
export function pendingSqliteMigrations(database: Database.Database): SqliteMigrationInfo[] {
  const applied = appliedVersions(database);
  return sqliteMigrations.filter((m) => !applied.has(m.version)).map((m) => ({ version: m.version, name: m.name }));
}

/** Options of {@link migrateSqlite}. */
export interface MigrateSqliteOptions {
  /**
   * Where the `applied_at` time (ms since the epoch) comes from.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * Brings `database` to the newest schema. Each migration runs in its own `BEGIN IMMEDIATE`
 * transaction together with its row in `latchkey_migrations`, so a failed step leaves no
 * half-made schema, and two processes migrating at once cannot both run a step (the second
 * waits for the write lock, then sees the step recorded and skips it). Safe to call on every
 * start-up: a current database is left untouched.
 */
export function migrateSqlite(database: Database.Database, options: MigrateSqliteOptions = {}): SqliteMigrationResult {
  const now = options.now ?? Date.now;
  database.exec(CREATE_MIGRATIONS_TABLE);
  const isApplied = database.prepare<[number]>("SELECT 1 FROM latchkey_migrations WHERE version = ?");
  const record = database.prepare<[number, string, number]>(
    "INSERT INTO latchkey_migrations (version, name, applied_at) VALUES (?, ?, ?)",
  );
  const applied: SqliteMigrationInfo[] = [];
  for (const migration of sqliteMigrations) {
    const ran = database
      .transaction((): boolean => {
        if (isApplied.get(migration.version) !== undefined) return false;
        database.exec(migration.sql);
        record.run(migration.version, migration.name, now());
        return true;
      })
      .immediate();
    if (ran) applied.push({ version: migration.version, name: migration.name });
  }
  const version = database
    .prepare<[]>("SELECT max(version) FROM latchkey_migrations")
    .pluck()
    .safeIntegers(false)
    .get();
  return { applied, version: typeof version === "number" ? version : 0 };
}

/** Throws {@link SqliteMigrationsPendingError} unless every known migration has run. */
export function assertSqliteSchemaCurrent(database: Database.Database): void {
  const pending = pendingSqliteMigrations(database);
  if (pending.length > 0) throw new SqliteMigrationsPendingError(database.name, pending);
}
