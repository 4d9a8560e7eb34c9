export { loadServerConfig, type LoadServerConfigOptions } from "./load-config.js";
export { ServerConfigError, type ServerConfig, type ServerLatchkeyOptions } from "./server-config.js";
export { startServer, type StartServerOptions, type RunningServer } from "./start-server.js";
export { ServerStartError } from "./server-start-error.js";
export { openServerDatabase, createServerLatchkey, type ServerDatabase } from "./server-latchkey.js";
export { createServerLogger } from "./server-logger.js";
export { ENV_VARS, SETTINGS, CONFIG_ENV_VAR, envNameOf, type EnvVarInfo, type SettingInfo, type SettingKind } from "./settings-table.js";
export { DEFAULT_CONFIG_FILE } from "./config-file.js";
export { LOG_LEVELS, type LogLevel } from "./settings-schema.js";
