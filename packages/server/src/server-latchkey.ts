import {
  ConfigError,
  createLatchkey,
  type Clock,
  type InvalidationBus,
  type Latchkey,
  type Logger,
  type MailTransport,
  type Stores,
} from "@latchkey/core";
import {
  migrateSqlite,
  openSqliteDatabase,
  sqliteStores,
  type SqliteMigrationInfo,
  type SqliteStores,
} from "@latchkey/store-sqlite";
import type Database from "better-sqlite3";
import { attributeProblem } from "./problem-sources.js";
import { ServerConfigError, type ServerConfig } from "./server-config.js";
import { ServerStartError } from "./server-start-error.js";

/** The configured database, open, with its stores. */
export interface ServerDatabase {
  readonly database: Database.Database;
  readonly stores: SqliteStores;
  /** Migrations this call applied (empty unless `migrate` was asked and the schema was behind). */
  readonly applied: readonly SqliteMigrationInfo[];
  close(): void;
}

/**
 * Opens the SQLite file of `config` (creating it and its directory if needed), applies
 * pending migrations when `migrate` is true, and builds the stores.
 *
 * @throws {ServerStartError} when the file cannot be opened (a folder without write access, …).
 * @throws {SqliteMigrationsPendingError} when `migrate` is false and the schema is behind:
 *   its message tells the operator to run `latchkey migrate`.
 */
export function openServerDatabase(
  config: Pick<ServerConfig, "database">,
  options: { migrate: boolean; now?: () => number },
): ServerDatabase {
  let database: Database.Database;
  try {
    database = openSqliteDatabase(config.database);
  } catch (error) {
    throw new ServerStartError(
      `Cannot open the SQLite database ${config.database}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  try {
    const applied = options.migrate
      ? migrateSqlite(database, options.now === undefined ? {} : { now: options.now }).applied
      : [];
    const stores = sqliteStores({ database });
    return { database, stores, applied, close: () => database.close() };
  } catch (error) {
    database.close();
    throw error;
  }
}

/** What {@link createServerLatchkey} adds to the configuration. */
export interface ServerLatchkeyWorld {
  logger?: Logger;
  clock?: Clock;
  /** Where invalidations are published (and the cache subscribes). @default none */
  invalidationBus?: InvalidationBus | null;
  /**
   * Keep a session cache in this process, if the configuration turns it on. A CLI command
   * passes false: it only publishes its invalidations to the servers' caches.
   * @default true
   */
  sessionCache?: boolean;
  /** Where the outbox sends mail (`mail.url`). @default none */
  mailTransport?: MailTransport | null;
}

/**
 * Builds the latchkey instance of a server configuration over `stores`. Core's own
 * validation problems (already checked by `loadServerConfig`, but a config may be built by
 * hand) become a {@link ServerConfigError} naming each bad value's source.
 */
export function createServerLatchkey(
  config: Pick<ServerConfig, "latchkey" | "mode" | "sources">,
  stores: Stores,
  world: ServerLatchkeyWorld = {},
): Latchkey {
  const cacheSettings = config.latchkey.sessionCache;
  const sessionCache =
    cacheSettings === undefined || world.sessionCache !== false ? cacheSettings : { ...cacheSettings, enabled: false };
  try {
    return createLatchkey({
      ...config.latchkey,
      ...(sessionCache === undefined ? {} : { sessionCache }),
      mode: config.mode,
      stores,
      ...(world.invalidationBus === undefined || world.invalidationBus === null
        ? {}
        : { invalidationBus: world.invalidationBus }),
      ...(world.logger === undefined ? {} : { logger: world.logger }),
      ...(world.clock === undefined ? {} : { clock: world.clock }),
      ...(world.mailTransport === undefined || world.mailTransport === null
        ? {}
        : { mail: { ...config.latchkey.mail, transport: world.mailTransport } }),
    });
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ServerConfigError(error.problems.map((problem) => attributeProblem(problem, config.sources)));
    throw error;
  }
}
