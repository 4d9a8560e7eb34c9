export {
  postgresStores,
  recommendedPoolOptions,
  type PostgresStores,
  type PostgresStoresOptions,
} from "./postgres-stores.js";
export {
  migratePostgres,
  pendingPostgresMigrations,
  PostgresMigrationsPendingError,
  type MigratePostgresOptions,
  type PostgresMigrationInfo,
  type PostgresMigrationResult,
} from "./migrate.js";
export { postgresSessionStore, type PostgresSessionStoreOptions } from "./postgres-session-store.js";
export { postgresUserStore, type PostgresUserStore } from "./postgres-user-store.js";
export {
  postgresThrottleStore,
  deleteExpiredPostgresThrottleCounters,
  type PostgresThrottleStoreOptions,
} from "./postgres-throttle-store.js";
export { setGroupPermissions } from "./group-permissions.js";
export {
  postgresInvalidationBus,
  DEFAULT_INVALIDATION_CHANNEL,
  type PostgresInvalidationBusOptions,
} from "./postgres-invalidation-bus.js";
export { postgresAccountStore } from "./postgres-account-store.js";
export { postgresPasskeyStore } from "./postgres-passkey-store.js";
export { postgresMfaStore } from "./postgres-mfa-store.js";
