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
export { sqliteSessionStore, type SqliteSessionStoreOptions } from "./sqlite-session-store.js";
export { sqliteUserStore, type SqliteUserStore, type SqliteUserStoreOptions } from "./sqlite-user-store.js";
export { createChangeWatch, type ChangeWatch } from "./change-watch.js";
export {
  sqliteThrottleStore,
  deleteExpiredThrottleCounters,
  type SqliteThrottleStoreOptions,
} from "./sqlite-throttle-store.js";
export { setGroupPermissions } from "./group-permissions.js";
export { sqliteAccountStore } from "./sqlite-account-store.js";
export { sqlitePasskeyStore } from "./sqlite-passkey-store.js";
export { sqliteMfaStore } from "./sqlite-mfa-store.js";
export { createSignalledChangeWatch, type SignalledChangeWatch } from "./signalled-change-watch.js";
export {
  createListeningChangeWatch,
  type ListeningChangeWatch,
  type ListeningChangeWatchOptions,
} from "./listening-change-watch.js";
export {
  announceSqliteChange,
  listenForSqliteChanges,
  signalsDirectory,
  SqliteChangeNotAcknowledgedError,
  DEFAULT_ANNOUNCE_TIMEOUT_MS,
  type SqliteChangeHandlers,
  type SqliteChangeListener,
} from "./change-signals.js";
