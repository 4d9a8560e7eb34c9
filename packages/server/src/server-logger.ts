import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";
import { censorCredentials } from "./log-censor.js";
import { createIsoTime } from "./log-time.js";
import type { ServerConfig } from "./server-config.js";

/**
 * The ready server's logger: pino, one JSON object per line on stdout (or `destination`),
 * at the configured level, with an ISO 8601 `time`. Request logs carry method, path, status
 * and duration only; as a second line of defence, fields that could hold credentials are
 * censored at the top of a line and one level down (`censorCredentials`), so a future log
 * call cannot leak a cookie, an Authorization header or a password into log storage (OWASP
 * Logging Cheat Sheet: never log session ids or passwords).
 */
export function createServerLogger(
  config: Pick<ServerConfig, "logLevel">,
  destination?: DestinationStream,
): PinoLogger {
  const options = {
    level: config.logLevel,
    base: { pid: process.pid },
    timestamp: createIsoTime(),
    formatters: { log: censorCredentials },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
