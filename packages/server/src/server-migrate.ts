import { migrateSqlite, openSqliteDatabase } from "@latchkey/store-sqlite";
import { loadPostgres } from "./optional-drivers.js";
import { passwordsOf, redactUrl, scrub } from "./redact.js";
import type { ServerConfig } from "./server-config.js";
import { ServerStartError } from "./server-start-error.js";

/** What {@link migrateServerDatabases} did to one database. */
export interface DatabaseMigration {
  readonly database: "SQLite" | "PostgreSQL";
  /** The file path, or the URL without its password. */
  readonly location: string;
  /** Migrations applied now, oldest first. */
  readonly applied: readonly { version: number; name: string }[];
  /** The schema version the database is at now. */
  readonly version: number;
}

function causeOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Brings every SQL database the configuration uses to the current schema: PostgreSQL when
 * `databaseUrl` is set, else the SQLite file (which then holds the users, and the sessions
 * unless Redis does). Redis needs no migrations. Safe to run at any time, from several
 * machines at once, also while servers run.
 *
 * @throws {ServerStartError} when a database cannot be opened or reached; the message names
 *   it (a URL without its password).
 */
export async function migrateServerDatabases(
  config: Pick<ServerConfig, "database" | "databaseUrl">,
  options: { now?: () => number } = {},
): Promise<DatabaseMigration[]> {
  const now = options.now === undefined ? {} : { now: options.now };
  if (config.databaseUrl !== null) {
    const location = redactUrl(config.databaseUrl);
    const { pg, migratePostgres } = await loadPostgres();
    // No per-query timeout: a migration may legitimately run long on a big table.
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      connectionTimeoutMillis: 5_000,
      max: 1,
      application_name: "latchkey migrate",
    });
    pool.on("error", () => {});
    try {
      const result = await migratePostgres(pool, now);
      return [{ database: "PostgreSQL", location, applied: result.applied, version: result.version }];
    } catch (error) {
      throw new ServerStartError(
        `Cannot migrate PostgreSQL at ${location}: ${scrub(causeOf(error), passwordsOf([config.databaseUrl]))}`,
        { cause: error },
      );
    } finally {
      await pool.end().catch(() => {});
    }
  }
  let database: ReturnType<typeof openSqliteDatabase>;
  try {
    database = openSqliteDatabase(config.database);
  } catch (error) {
    throw new ServerStartError(`Cannot open the SQLite database ${config.database}: ${causeOf(error)}`, {
      cause: error,
    });
  }
  try {
    const result = migrateSqlite(database, now);
    return [{ database: "SQLite", location: config.database, applied: result.applied, version: result.version }];
  } finally {
    database.close();
  }
}
