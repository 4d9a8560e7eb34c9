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

/**
 * Defaults of `accessLog.*`, by mode.
 *
 * Off in production, as gunicorn's access log is: a line per request is a pino call, a
 * `close` listener and two clock reads on every request, which at whoami's rate is a
 * measurable share of the work (docs/production.md, "Access log"), and a reverse proxy in
 * front (nginx) usually keeps the access log already. What matters is never lost with it:
 * errors (`internal_error`, `store_unavailable`) and security events (CSRF refusals, login
 * failures and throttles, refused CORS preflights) are logged as their own events,
 * whatever this setting says. On in development, where a line per request helps.
 */
export const ACCESS_LOG_DEFAULTS: Readonly<Record<"development" | "production", AccessLogConfig>> = Object.freeze({
  development: Object.freeze({ enabled: true, sampleEvery: 1 }),
  production: Object.freeze({ enabled: false, sampleEvery: 1 }),
});

/** The access-log settings with their defaults for `mode` filled in. */
export function accessLogOf(settings: Settings, mode: "development" | "production"): AccessLogConfig {
  const defaults = ACCESS_LOG_DEFAULTS[mode];
  return { enabled: settings.accessLog?.enabled ?? defaults.enabled, sampleEvery: settings.accessLog?.sampleEvery ?? defaults.sampleEvery };
}
