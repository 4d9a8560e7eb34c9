import type { Pool } from "pg";
import { postgresMigrations } from "./migrations.js";
import { withTransaction } from "./transaction.js";

/** A migration, as reported to the operator. */
export interface PostgresMigrationInfo {
  version: number;
  name: string;
}

/** What {@link migratePostgres} did. */
export interface PostgresMigrationResult {
  /** Migrations run by this call, oldest first; empty when the schema was already current. */
  applied: PostgresMigrationInfo[];
  /** The schema version the database is at now. */
  version: number;
}

/** The database lacks migrations this code needs; thrown by `postgresStores()` at start-up. */
export class PostgresMigrationsPendingError extends Error {
  /** The missing migrations, oldest first. */
  readonly pending: readonly PostgresMigrationInfo[];

  constructor(pending: readonly PostgresMigrationInfo[]) {
    const list = pending.map((m) => `${m.version} (${m.name})`).join(", ");
    super(
      `The PostgreSQL database is missing latchkey schema migration(s) ${list}. ` +
        `Run "latchkey migrate", or call migratePostgres(pool) before postgresStores().`,
    );
    this.name = "PostgresMigrationsPendingError";
    this.pending = pending;
  }
}

/**
 * Key of the transaction-level advisory lock every migrator takes first: "latchkey" in ASCII,
 * as a bigint. Two processes migrating at once queue on it instead of racing to create the
 * same tables (which PostgreSQL reports as a unique violation in its catalog, not as
 * "already exists").
 */
const MIGRATION_LOCK = "7809651199139603833";

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS latchkey_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at bigint NOT NULL
  )`;

function toVersion(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new Error("latchkey_migrations holds a version that is not an integer; is the table ours?");
  }
  return value;
}

/** The migrations this code knows that the database (its `search_path`) has not run yet, oldest first. */
export async function pendingPostgresMigrations(pool: Pool): Promise<PostgresMigrationInfo[]> {
  const table = await pool.query<{ present: boolean }>(
    "SELECT to_regclass('latchkey_migrations') IS NOT NULL AS present",
  );
  const applied = new Set<number>();
  if (table.rows[0]?.present === true) {
    const rows = await pool.query<{ version: unknown }>("SELECT version FROM latchkey_migrations");
    for (const row of rows.rows) applied.add(toVersion(row.version));
  }
  return postgresMigrations.filter((m) => !applied.has(m.version)).map((m) => ({ version: m.version, name: m.name }));
}

/** Options of {@link migratePostgres}. */
export interface MigratePostgresOptions {
  /**
   * Where the `applied_at` time (ms since the epoch) comes from.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * Brings the database to the newest schema (in the first schema of the pool's
 * `search_path`). Each migration runs in its own transaction together with its row in
 * `latchkey_migrations`, so a failed step leaves no half-made schema; each transaction first
 * takes an advisory lock, so concurrent migrators (several servers starting at once) run one
 * after another and the later ones find every step recorded and skip it. Safe to call on
 * every start-up: a current database is left untouched.
 */
export async function migratePostgres(
  pool: Pool,
  options: MigratePostgresOptions = {},
): Promise<PostgresMigrationResult> {
  const now = options.now ?? Date.now;
  const applied: PostgresMigrationInfo[] = [];
  for (const migration of postgresMigrations) {
    const ran = await withTransaction(pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [MIGRATION_LOCK]);
      await client.query(CREATE_MIGRATIONS_TABLE);
      const done = await client.query("SELECT 1 FROM latchkey_migrations WHERE version = $1", [migration.version]);
      if (done.rows.length > 0) return false;
      await client.query(migration.sql);
      await client.query("INSERT INTO latchkey_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        now(),
      ]);
      return true;
    });
    if (ran) applied.push({ version: migration.version, name: migration.name });
  }
  const latest = await pool.query<{ version: unknown }>("SELECT max(version) AS version FROM latchkey_migrations");
  const version = latest.rows[0]?.version;
  return { applied, version: version === null || version === undefined ? 0 : toVersion(version) };
}

/** Rejects with {@link PostgresMigrationsPendingError} unless every known migration has run. */
export async function assertPostgresSchemaCurrent(pool: Pool): Promise<void> {
  const pending = await pendingPostgresMigrations(pool);
  if (pending.length > 0) throw new PostgresMigrationsPendingError(pending);
}
