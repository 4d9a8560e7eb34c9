import { type ByMode, DEFAULTS } from "@latchkey/core";

/**
 * Defaults of the ready server's own settings (not `createLatchkey()` options), each with its
 * unit and the reason for the value. load-config.ts fills from here; the settings table and
 * docs/configuration.md quote it, together with core's {@link DEFAULTS}.
 */
export const SERVER_DEFAULTS = Object.freeze({
  /** Loopback only: a development server is not reachable from the network until asked. */
  host: "127.0.0.1",
  /** TCP port 8000, Django's runserver port, so a SPA set up for a Django backend finds it. */
  port: 8000,
  /** A `data` folder in the working directory, created if missing. */
  dataDir: "./data",
  /** Unset: users and sessions live in SQLite, no server to run. */
  databaseUrl: null as string | null,
  /** Unset: sessions and counters live in the SQL database. */
  redisUrl: null as string | null,
  /** None: no Redis Cluster. */
  redisClusterNodes: Object.freeze([]) as readonly string[],
  /** Keys start with "latchkey", so one Redis can serve several applications. */
  redisKeyPrefix: "latchkey",
  /** One process; more share the port through node:cluster. */
  workers: 1,
  /** Unset: the API only, no SPA. */
  spaDir: null as string | null,
  /** Apply pending migrations at start: one command less for a single server. */
  migrateOnStart: true,
  /** Info: start-up, errors and security events (and, with `accessLog.enabled`, one line per request). */
  logLevel: "info" as "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent",
  /** Seconds requests in flight may take to finish on shutdown: 10, under the 30 s Kubernetes waits before SIGKILL. */
  shutdownTimeoutSeconds: 10,
  accessLog: Object.freeze({
    /**
     * One `info` line per request (method, path without query, status, duration), as
     * gunicorn's `--access-logfile`. Off in production, as gunicorn's is: a line per request
     * is a pino call, a `close` listener and two clock reads on every request, a measurable
     * share of whoami's work (docs/production.md, "Access log"), and the reverse proxy in
     * front usually keeps an access log already. Errors and security events (CSRF refusals,
     * login failures and throttles, refused CORS preflights) are logged as their own events
     * whatever this says. On in development, where a line per request helps.
     */
    enabled: Object.freeze({ development: true, production: false }) as ByMode<boolean>,
    /** Requests per access line: 1, every request (a larger number samples one in N, counted per process). */
    sampleEvery: 1,
  }),
  mail: Object.freeze({
    /** Unset: messages wait in the outbox until a transport is configured (production refuses to start then). */
    url: null as string | null,
  }),
});

/**
 * Core's defaults and the server's, by config-file key. Values are looked up by dotted key
 * (`session.idleTimeoutSeconds`) with {@link defaultAt}.
 */
export const ALL_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  ...DEFAULTS,
  ...SERVER_DEFAULTS,
  mail: Object.freeze({ ...DEFAULTS.mail, ...SERVER_DEFAULTS.mail }),
});

/** The default at a dotted config-file key, or `undefined` when there is none as a value. */
export function defaultAt(key: string): unknown {
  let value: unknown = ALL_DEFAULTS;
  for (const part of key.split(".")) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const DURATION_UNITS: readonly (readonly [number, string])[] = [
  [365 * 24 * 3600, "year"],
  [7 * 24 * 3600, "week"],
  [24 * 3600, "day"],
  [3600, "hour"],
  [60, "minute"],
];

/**
 * `1209600` → `2 weeks`; null when the number of seconds is not a whole number of a larger unit, or under 5 minutes.
 */
export function durationText(seconds: number): string | null {
  if (seconds < 300) return null;
  for (const [size, name] of DURATION_UNITS) {
    if (seconds % size === 0) return `${seconds / size} ${name}${seconds === size ? "" : "s"}`;
  }
  return null;
}

/** Whether a value is a {@link import("@latchkey/core").ByMode} default. */
function isByMode(value: unknown): value is { development: unknown; production: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).sort().join() === "development,production"
  );
}

/**
 * A default as the settings table and docs/configuration.md write it: booleans and numbers
 * as they are (seconds with their duration: `3600 (1 hour)`), strings quoted, lists as JSON
 * arrays, null as `unset`, a by-mode default as `true in production, false otherwise`.
 */
export function defaultText(value: unknown, unit: string | null): string {
  if (value === null) return "unset";
  if (typeof value === "number") {
    const duration = unit === "seconds" ? durationText(value) : null;
    return duration === null ? String(value) : `${value} (${duration})`;
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => JSON.stringify(item)).join(", ")}]`;
  if (isByMode(value))
    return `${defaultText(value.production, unit)} in production, ${defaultText(value.development, unit)} otherwise`;
  return String(value);
}
