import { ConfigError, createLocalInvalidationBus, resolveConfig, type LatchkeyOptions } from "@latchkey/core";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";

/**
 * Runs core's own validation (cross-setting rules, production refusals, origin syntax) on
 * options at config-load time, so `latchkey` reports core's problems together with its own
 * before anything starts. Core needs stores to check; a private in-memory SQLite database
 * serves, and is closed at once.
 */
export function coreConfigProblems(options: Omit<LatchkeyOptions, "stores">): string[] {
  const database = openSqliteDatabase(":memory:");
  try {
    migrateSqlite(database);
    // A stand-in bus too: whether the configured stores can carry invalidations is the
    // server's own check (loadServerConfig), with a message in its terms.
    resolveConfig({ ...options, stores: sqliteStores({ database }), invalidationBus: createLocalInvalidationBus() });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.filter((problem) => !problem.startsWith("stores"));
    throw error;
  } finally {
    database.close();
  }
}
