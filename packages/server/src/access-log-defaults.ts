import { SERVER_DEFAULTS } from "./server-defaults.js";
import type { Settings } from "./settings-schema.js";

/**
 * The ready server's access log: one `info` line per request (method, path without query,
 * status, duration), as gunicorn's `--access-logfile` or nginx's `access_log`.
 */
export interface AccessLogConfig {
  /** Write access lines at all. */
  readonly enabled: boolean;
  /** Write one request in this many (1: every request). */
  readonly sampleEvery: number;
}

/** The access-log settings with their defaults (SERVER_DEFAULTS.accessLog) for `mode` filled in. */
export function accessLogOf(settings: Settings, mode: "development" | "production"): AccessLogConfig {
  const defaults = SERVER_DEFAULTS.accessLog;
  return {
    enabled: settings.accessLog?.enabled ?? defaults.enabled[mode],
    sampleEvery: settings.accessLog?.sampleEvery ?? defaults.sampleEvery,
  };
}
