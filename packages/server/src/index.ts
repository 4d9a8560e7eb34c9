export { loadServerConfig, type LoadServerConfigOptions } from "./load-config.js";
export { ServerConfigError, type ServerConfig, type ServerLatchkeyOptions } from "./server-config.js";
export { startServer, type StartServerOptions, type RunningServer } from "./start-server.js";
export { ServerStartError } from "./server-start-error.js";
export {
  openServerDatabase,
  createServerLatchkey,
  type ServerDatabase,
  type ServerLatchkeyWorld,
} from "./server-latchkey.js";
export {
  openServerStores,
  type ServerStores,
  type OpenServerStoresOptions,
  type AppliedMigration,
  type StoreLayout,
} from "./server-stores.js";
export { type SqliteChangeRole } from "./sqlite-change-signals.js";
export { type Readiness, type StoreRole, type StoreState } from "./readiness.js";
export { migrateServerDatabases, type DatabaseMigration } from "./server-migrate.js";
export { redactUrl } from "./redact.js";
export { createServerLogger } from "./server-logger.js";
export {
  ENV_VARS,
  SETTINGS,
  CONFIG_ENV_VAR,
  envNameOf,
  type EnvVarInfo,
  type SettingInfo,
  type SettingKind,
} from "./settings-table.js";
export { DEFAULT_CONFIG_FILE } from "./config-file.js";
export { LOG_LEVELS, type LogLevel } from "./settings-schema.js";
export { installProcessGuard, type ProcessGuardOptions } from "./process-guard.js";
export { smtpTransport } from "./mail/smtp-transport.js";
export { consoleTransport, fileTransport } from "./mail/dev-transports.js";
export { parseMailUrl, type MailTarget } from "./mail/mail-url.js";
export { createServerMailTransport, checkServerMail } from "./mail/server-mail.js";
export { SERVER_DEFAULTS, ALL_DEFAULTS, defaultAt, defaultText } from "./server-defaults.js";
