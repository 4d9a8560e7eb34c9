import type { LatchkeyOptions } from "@latchkey/core";
import type { AccessLogConfig } from "./access-log-defaults.js";
import type { LogLevel } from "./settings-schema.js";

/**
 * The core options the ready server takes from its configuration (everything but code: stores, hasher, logger, clock).
 */
export type ServerLatchkeyOptions = Omit<
  LatchkeyOptions,
  "stores" | "logger" | "clock" | "random" | "mode" | "passwords"
> & {
  passwords?: Omit<NonNullable<LatchkeyOptions["passwords"]>, "hasher">;
};

/**
 * The ready server's configuration: validated, every default filled in, paths absolute,
 * frozen. Built by {@link loadServerConfig}; docs/configuration.md describes each setting.
 */
export interface ServerConfig {
  /** Interface to listen on. @default "127.0.0.1" */
  readonly host: string;
  /** TCP port; 0 picks a free one. @default 8000 */
  readonly port: number;
  /** Absolute path of the data directory. @default "<cwd>/data" */
  readonly dataDir: string;
  /** Absolute path of the SQLite database file. @default "<dataDir>/latchkey.sqlite3" */
  readonly database: string;
  /**
   * PostgreSQL URL (users, and sessions and counters unless Redis is set), or null. May hold a password: show it
   * through `redactUrl`.
   * @default null
   */
  readonly databaseUrl: string | null;
  /** Redis URL (sessions and counters), or null. May hold a password. @default null */
  readonly redisUrl: string | null;
  /** Redis Cluster start-up nodes (`host:port` or URLs), used instead of `redisUrl`; empty for none. @default [] */
  readonly redisClusterNodes: readonly string[];
  /** Start of every Redis key and of the invalidation channel. @default "latchkey" */
  readonly redisKeyPrefix: string;
  /** Server processes sharing the port (`latchkey serve` forks them with node:cluster). @default 1 */
  readonly workers: number;
  /** Absolute path of a built SPA to serve, or null to serve the API only. @default null */
  readonly spaDir: string | null;
  /** @default "development" ("production" when NODE_ENV=production) */
  readonly mode: "development" | "production";
  /** Apply pending migrations at start-up. @default true */
  readonly migrateOnStart: boolean;
  /** @default "info" */
  readonly logLevel: LogLevel;
  /**
   * Per-request access lines (`accessLog.*`).
   * @default off in production, every request otherwise (SERVER_DEFAULTS.accessLog)
   */
  readonly accessLog: AccessLogConfig;
  /** How long requests in flight may take to finish on shutdown, in seconds. @default 10 */
  readonly shutdownTimeoutSeconds: number;
  /**
   * `mail.url`: where the outbox sends mail (`smtp://…`, `smtps://…`, `console:`, `file:`), or null. May hold a
   * password.
   * @default null
   */
  readonly mailUrl: string | null;
  /** Options for `createLatchkey` (the server adds `mode`, the stores, the invalidation bus, its logger and clock). */
  readonly latchkey: ServerLatchkeyOptions;
  /** The config file read, as an absolute path, or null when there was none. */
  readonly configFile: string | null;
  /**
   * Where each setting that is not at its default came from, by config-file key: a file
   * name, `LATCHKEY_PORT="8080" (environment)` or `--port "8080" (command line)`.
   */
  readonly sources: Readonly<Record<string, string>>;
  /** Things worth telling the operator that do not stop the server (e.g. an unknown `LATCHKEY_` variable). */
  readonly warnings: readonly string[];
}

/**
 * The configuration is invalid. `problems` lists every problem found, each naming where the
 * bad value came from (file, environment variable or flag), so one run shows them all.
 */
export class ServerConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid latchkey configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ServerConfigError";
    this.problems = problems;
  }
}
