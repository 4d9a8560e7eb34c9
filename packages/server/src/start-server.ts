import { existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Clock, Latchkey, Logger, MailTransport } from "@latchkey/core";
import { answerMalformedRequests } from "@latchkey/node";
import { createRequestHandler } from "./request-handler.js";
import { ServerConfigError, type ServerConfig } from "./server-config.js";
import { createServerLatchkey } from "./server-latchkey.js";
import { checkServerMail, createServerMailTransport } from "./mail/server-mail.js";
import { openServerStores } from "./server-stores.js";
import { ServerStartError } from "./server-start-error.js";
import { createServerLogger } from "./server-logger.js";
import { createSpaHandler } from "./spa-handler.js";

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Where logs go. @default pino on stdout at `config.logLevel` */
  logger?: Logger;
  /** @default the system clock */
  clock?: Clock;
  /**
   * Apply pending migrations before serving. `latchkey serve --workers` migrates once in the
   * primary and passes false to each worker.
   * @default config.migrateOnStart
   */
  migrate?: boolean;
}

/** A running ready server. */
export interface RunningServer {
  /** `http://host:port` it listens on (the actual port when 0 was asked). */
  readonly url: string;
  /** The latchkey instance it serves (for accounts and sessions in the same process). */
  readonly latchkey: Latchkey;
  /**
   * Graceful shutdown: stops accepting connections, lets requests in flight finish (for at
   * most `shutdownTimeoutSeconds`, then cuts their connections), then closes the stores.
   * Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

function listenProblem(error: unknown, host: string, port: number): string {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const where = `${host}:${port}`;
  if (code === "EADDRINUSE")
    return `Cannot listen on ${where}: the address is already in use. Stop the other program or choose another port (--port, LATCHKEY_PORT).`;
  if (code === "EACCES")
    return `Cannot listen on ${where}: permission denied (ports below 1024 need privileges). Choose a port above 1023.`;
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return `Cannot listen on ${where}: the host is not an address of this machine (--host, LATCHKEY_HOST).`;
  return `Cannot listen on ${where}: ${error instanceof Error ? error.message : String(error)}`;
}

function urlOf(address: AddressInfo): string {
  // An unspecified address listens everywhere; loopback is where a local browser reaches it.
  const host = address.address === "0.0.0.0" ? "127.0.0.1" : address.address === "::" ? "::1" : address.address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}

/**
 * Starts the ready server: opens the configured stores (SQLite, PostgreSQL and/or Redis,
 * migrating the SQL databases when `migrateOnStart`),
 * builds latchkey with the configured options, and serves its routes (and the SPA folder,
 * if configured) over `node:http`. Resolves once it is listening.
 *
 * @throws {ServerConfigError} for a bad SPA folder or core configuration problems.
 * @throws {SqliteMigrationsPendingError} when SQLite migrations are pending and `migrateOnStart` is false.
 * @throws {ServerStartError} when it cannot listen, or a store cannot be reached or migrated
 *   (the message names the store and its URL without password).
 */
export async function startServer(config: ServerConfig, options: StartServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createServerLogger(config);
  if (config.spaDir !== null) {
    const source = config.sources.spaDir ?? "spaDir";
    if (!existsSync(config.spaDir) || !statSync(config.spaDir).isDirectory())
      throw new ServerConfigError([`${source}: the SPA folder ${config.spaDir} does not exist`]);
    if (!existsSync(join(config.spaDir, "index.html")))
      throw new ServerConfigError([
        `${source}: the SPA folder ${config.spaDir} has no index.html (build the SPA first)`,
      ]);
  }
  for (const warning of config.warnings) logger.warn({ event: "config_warning" }, warning);

  const clock = options.clock;
  // "listen": on SQLite, the read caches trust themselves between announced writes (one server on the file) instead of
  // probing per lookup.
  const db = await openServerStores(config, {
    migrate: options.migrate ?? config.migrateOnStart,
    logger,
    sqliteChanges: "listen",
    ...(clock === undefined ? {} : { clock }),
  });
  for (const migration of db.applied) {
    logger.info(
      { event: "migration_applied", database: migration.database, version: migration.version, name: migration.name },
      `applied ${migration.database} migration ${migration.version} (${migration.name})`,
    );
  }
  let latchkey: Latchkey;
  let mailTransport: MailTransport | null = null;
  try {
    mailTransport = createServerMailTransport(config, logger);
    latchkey = createServerLatchkey(config, db.stores, {
      logger,
      invalidationBus: db.bus,
      mailTransport,
      ...(clock === undefined ? {} : { clock }),
    });
    checkServerMail(config, latchkey, mailTransport, logger);
  } catch (error) {
    await mailTransport?.close?.();
    await db.close();
    throw error;
  }

  let shuttingDown = false;
  const spa = config.spaDir === null ? null : createSpaHandler({ dir: config.spaDir, latchkey });
  const handler = createRequestHandler({
    latchkey,
    logger,
    spa,
    isShuttingDown: () => shuttingDown,
    checkReady: () => db.checkReady(),
    // Access lines are written at info: below that level they would be dropped anyway.
    accessLogEvery:
      config.accessLog.enabled &&
      (config.logLevel === "info" || config.logLevel === "debug" || config.logLevel === "trace")
        ? config.accessLog.sampleEvery
        : 0,
    // A keep-alive connection that turns idle during shutdown is closed at once.
    onFinished: () => {
      if (shuttingDown) setImmediate(() => server.closeIdleConnections());
    },
  });
  // A request without Host is refused by the handler with a JSON 400 (Node's own is empty).
  const server = createServer({ requireHostHeader: false }, handler.listener);
  answerMalformedRequests(server);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await mailTransport?.close?.();
    await db.close();
    throw new ServerStartError(listenProblem(error, config.host, config.port), { cause: error });
  }
  server.on("error", (error) => logger.error({ event: "server_error", err: error.message }, "HTTP server error"));
  // Every process runs a sender: the outbox leases each message to one of them.
  latchkey.outbox?.start();

  const address = server.address();
  const url = typeof address === "object" && address !== null ? urlOf(address) : `http://${config.host}:${config.port}`;
  logger.info(
    {
      event: "listening",
      url,
      mode: config.mode,
      ...(db.layout.users.startsWith("sqlite:") ? { database: config.database } : {}),
      stores: db.layout,
      sessionCache: latchkey.config.sessionCache.enabled,
      spaDir: config.spaDir,
    },
    `latchkey listening on ${url}`,
  );
  if (config.mode === "production" && !LOOPBACK.has(config.host) && latchkey.config.trustProxy === 0) {
    logger.warn(
      { event: "insecure_transport", host: config.host },
      "production mode on a non-loopback interface over plain HTTP without trustProxy: serve it behind an HTTPS reverse proxy and set trustProxy, or browsers will drop the Secure cookies",
    );
  }

  let closing: Promise<void> | null = null;
  async function shutdown(): Promise<void> {
    shuttingDown = true;
    logger.info({ event: "shutdown" }, "latchkey shutting down: no new connections, finishing requests in flight");
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        logger.warn(
          { event: "shutdown_timeout", seconds: config.shutdownTimeoutSeconds },
          "requests still running at the shutdown deadline; closing their connections",
        );
        server.closeAllConnections();
        resolve();
      }, config.shutdownTimeoutSeconds * 1000);
    });
    await Promise.race([Promise.all([closed, handler.settled()]), deadline]);
    await latchkey.settled();
    await latchkey.outbox?.stop();
    await mailTransport?.close?.();
    clearTimeout(timer);
    const cacheStats = latchkey.sessions.cacheStats();
    if (cacheStats !== null)
      logger.info({ event: "session_cache_stats", ...cacheStats }, "session cache counters since start");
    await db.close();
    logger.info({ event: "stopped" }, "latchkey stopped");
  }

  return Object.freeze({
    url,
    latchkey,
    close: () => (closing ??= shutdown()),
  });
}
