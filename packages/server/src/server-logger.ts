import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";
import type { ServerConfig } from "./server-config.js";

/**
 * The ready server's logger: pino, one JSON object per line on stdout (or `destination`),
 * at the configured level. Request logs carry method, path, status and duration only; as a
 * second line of defence, fields that could hold credentials are redacted wherever they
 * appear, so a future log call cannot leak a cookie, an Authorization header or a password
 * into log storage (OWASP Logging Cheat Sheet: never log session ids or passwords).
 */
export function createServerLogger(
  config: Pick<ServerConfig, "logLevel">,
  destination?: DestinationStream,
): PinoLogger {
  const options = {
    level: config.logLevel,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "password",
        "*.password",
        "cookie",
        "*.cookie",
        "authorization",
        "*.authorization",
        "headers",
        "*.headers",
      ],
      censor: "[redacted]",
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
