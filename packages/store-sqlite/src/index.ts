export { sqliteStores, type SqliteStores, type SqliteStoresOptions } from "./sqlite-stores.js";
export { openSqliteDatabase } from "./open-database.js";
export {
  migrateSqlite,
  pendingSqliteMigrations,
  SqliteMigrationsPendingError,
  type MigrateSqliteOptions,
  type SqliteMigrationInfo,
  type SqliteMigrationResult,
} from "./migrate.js";
export { sqliteSessionStore } from "./sqlite-session-store.js";
export { sqliteUserStore, type SqliteUserStore } from "./sqlite-user-store.js";
export { sqliteThrottleStore, deleteExpiredThrottleCounters } from "./sqlite-throttle-store.js";
export { setGroupPermissions } from "./group-permissions.js";
