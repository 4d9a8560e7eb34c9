import { silentLogger, type Clock, type InvalidationBus, type Logger, type Stores } from "@latchkey/core";
import type { RedisClient } from "@latchkey/store-redis";
import {
  deleteExpiredThrottleCounters,
  sqliteAccountStore,
  sqliteMfaStore,
  sqlitePasskeyStore,
  sqliteUserStore,
} from "@latchkey/store-sqlite";
import type pg from "pg";
import { loadPostgres, loadRedis, type PostgresDriver, type RedisDriver } from "./optional-drivers.js";
import { createReadinessCheck, type Readiness } from "./readiness.js";
import { passwordsOf, redactUrl, scrub } from "./redact.js";
import type { ServerConfig } from "./server-config.js";
import { migrateServerDatabases } from "./server-migrate.js";
import { openServerDatabase, type ServerDatabase } from "./server-latchkey.js";
import { ServerStartError } from "./server-start-error.js";
import { announceSqliteWrites, listeningSqliteStores, type SqliteChangeRole } from "./sqlite-change-signals.js";

/** A schema migration applied while opening the stores. */
export interface AppliedMigration {
  readonly database: "SQLite" | "PostgreSQL";
  readonly version: number;
  readonly name: string;
}

/** Where each kind of data lives, as text safe to log (passwords masked). */
export interface StoreLayout {
  readonly users: string;
  readonly sessions: string;
  readonly throttle: string;
}

/** The stores a server configuration names, connected, with what the server needs around them. */
export interface ServerStores {
  readonly stores: Stores;
  /** The invalidation bus, when `sessionCache.enabled` (Redis pub/sub or PostgreSQL LISTEN/NOTIFY); else null. */
  readonly bus: InvalidationBus | null;
  /** Migrations applied by this call (empty unless `migrate` was asked and a schema was behind). */
  readonly applied: readonly AppliedMigration[];
  readonly layout: StoreLayout;
  /** One cheap round trip to each backend in use, bounded in time: whether this server can serve now. */
  checkReady(): Promise<Readiness>;
  /** Deletes expired throttle counters where the backend keeps them (Redis expires its own). Resolves to the count. */
  purgeThrottleCounters(now: number): Promise<number>;
  /** Closes the bus and every connection opened here. */
  close(): Promise<void>;
  /**
   * With `sqliteChanges: "announce"`: tells every server listening on the SQLite file that
   * this process wrote to it, and resolves once each has dropped its cache (nothing to do
   * otherwise, or when nothing was written).
   * @throws {SqliteChangeNotAcknowledgedError} when a server did not answer in time
   */
  announceChanges(): Promise<void>;
}

/** Options of {@link openServerStores}. */
export interface OpenServerStoresOptions {
  /** Apply pending migrations of the SQL databases (SQLite or PostgreSQL). */
  migrate: boolean;
  /** Where connection losses and recoveries are logged. @default silent */
  logger?: Logger;
  /**
   * The clock the Redis store computes native expiry from and migrations are stamped with.
   * @default the system clock
   */
  clock?: Clock;
  /** What to do about other processes' writes to the SQLite file (see `SqliteChangeRole`). @default "probe" */
  sqliteChanges?: SqliteChangeRole;
}

type StorageConfig = Pick<
  ServerConfig,
  "database" | "databaseUrl" | "redisUrl" | "redisClusterNodes" | "redisKeyPrefix" | "latchkey"
>;

function causeOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A cluster start-up node from `host:port` or a redis URL. */
function clusterNode(text: string): { host: string; port: number } {
  if (/^rediss?:\/\//.test(text)) {
    const url = new URL(text);
    return { host: url.hostname, port: url.port === "" ? 6379 : Number(url.port) };
  }
  const colon = text.lastIndexOf(":");
  return { host: text.slice(0, colon).replace(/^\[|\]$/g, ""), port: Number(text.slice(colon + 1)) };
}

/** Credentials given in the first cluster node URL, for every node (a Cluster has one ACL). */
function clusterCredentials(nodes: readonly string[]): { username?: string; password?: string } {
  const first = nodes.find((node) => /^rediss?:\/\//.test(node));
  if (first === undefined) return {};
  const url = new URL(first);
  return {
    ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
  };
}

/**
 * Opens the stores a server configuration names:
 * - nothing set: everything in the SQLite file `database`;
 * - `databaseUrl`: everything in PostgreSQL;
 * - `redisUrl` or `redisClusterNodes`: sessions and throttle counters in Redis, users in
 *   PostgreSQL when `databaseUrl` is set, else in SQLite.
 *
 * Connections use the store packages' fail-fast settings (a dead store answers 503 within
 * seconds instead of hanging requests), every client gets an `error` listener that logs (an
 * unhandled `error` event would crash the process), and a lost or restored connection is
 * logged once. With `sessionCache.enabled`, the invalidation bus runs over Redis when Redis
 * holds the sessions, else over PostgreSQL.
 *
 * @throws {ServerStartError} when a store cannot be reached or migrated, or its schema is
 *   behind and `migrate` is false; the message names the store and its URL without password.
 */
export async function openServerStores(config: StorageConfig, options: OpenServerStoresOptions): Promise<ServerStores> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock;
  const secrets = passwordsOf([config.databaseUrl, config.redisUrl, ...config.redisClusterNodes]);
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse().splice(0)) await close().catch(() => {});
  };
  const applied: AppliedMigration[] = [];
  try {
    let pool: pg.Pool | null = null;
    let postgres: Awaited<ReturnType<PostgresDriver["postgresStores"]>> | null = null;
    let postgresDriver: PostgresDriver | null = null;
    const postgresLabel = config.databaseUrl === null ? "" : redactUrl(config.databaseUrl);
    if (config.databaseUrl !== null) {
      const url = config.databaseUrl;
      postgresDriver = await loadPostgres();
      const { pg, recommendedPoolOptions, postgresStores } = postgresDriver;
      const { DEFAULT_INVALIDATION_CHANNEL, PostgresMigrationsPendingError } = postgresDriver;
      if (options.migrate) {
        const [result] = await migrateServerDatabases(config, clock === undefined ? {} : { now: () => clock.now() });
        for (const m of result?.applied ?? [])
          applied.push({ database: "PostgreSQL", version: m.version, name: m.name });
      }
      const opened = new pg.Pool({ connectionString: url, ...recommendedPoolOptions, application_name: "latchkey" });
      pool = opened;
      closers.push(() => opened.end());
      // node-postgres emits "error" when an idle connection dies (the server restarted, the
      // network dropped): without a listener that crashes the process.
      opened.on("error", (error) =>
        logger.warn(
          {
            event: "store_connection_error",
            store: "postgres",
            url: postgresLabel,
            cause: scrub(causeOf(error), secrets),
          },
          `an idle PostgreSQL connection to ${postgresLabel} failed; it will be replaced`,
        ),
      );
      try {
        // Session caches listen on PostgreSQL when Redis does not hold the sessions: each
        // session deletion then carries its invalidation in the same statement.
        const busOnPostgres =
          config.latchkey.sessionCache?.enabled === true &&
          config.redisUrl === null &&
          config.redisClusterNodes.length === 0;
        postgres = await postgresStores({
          pool: opened,
          ...(busOnPostgres ? { invalidationChannel: DEFAULT_INVALIDATION_CHANNEL } : {}),
        });
      } catch (error) {
        if (error instanceof PostgresMigrationsPendingError)
          throw new ServerStartError(`PostgreSQL at ${postgresLabel}: ${error.message}`, { cause: error });
        const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
        throw new ServerStartError(`Cannot reach PostgreSQL at ${postgresLabel}: ${scrub(causeOf(cause), secrets)}`, {
          cause: error,
        });
      }
    }

    let sqlite: ServerDatabase | null = null;
    if (postgres === null) {
      const opened = openServerDatabase(config, {
        migrate: options.migrate,
        ...(clock === undefined ? {} : { now: () => clock.now() }),
      });
      sqlite = opened;
      closers.push(async () => opened.close());
      for (const m of opened.applied) applied.push({ database: "SQLite", version: m.version, name: m.name });
    }

    let redis: RedisClient | null = null;
    let redisDriver: RedisDriver | null = null;
    const redisLabel =
      config.redisUrl !== null
        ? redactUrl(config.redisUrl)
        : `cluster ${config.redisClusterNodes.map(redactUrl).join(",")}`;
    if (config.redisUrl !== null || config.redisClusterNodes.length > 0) {
      redisDriver = await loadRedis();
      const { Redis, Cluster, recommendedRedisOptions, recommendedClusterOptions } = redisDriver;
      const client: RedisClient =
        config.redisUrl !== null
          ? new Redis(config.redisUrl, { ...recommendedRedisOptions, lazyConnect: true, connectionName: "latchkey" })
          : new Cluster(config.redisClusterNodes.map(clusterNode), {
              ...recommendedClusterOptions,
              redisOptions: {
                ...recommendedClusterOptions.redisOptions,
                ...clusterCredentials(config.redisClusterNodes),
                connectionName: "latchkey",
              },
              lazyConnect: true,
            });
      redis = client;
      closers.push(async () => {
        await client.quit().catch(() => client.disconnect());
      });
      let connected = false;
      let down = false;
      let lastError: unknown = null;
      // ioredis emits "error" on every failed reconnection attempt: log the loss once.
      client.on("error", (error: unknown) => {
        lastError = error;
        if (down || !connected) return;
        down = true;
        logger.error(
          { event: "store_connection_lost", store: "redis", url: redisLabel, cause: scrub(causeOf(error), secrets) },
          `Redis at ${redisLabel} is unreachable (${scrub(causeOf(error), secrets)}); requests that need it get 503 until it is back`,
        );
      });
      client.on("ready", () => {
        connected = true;
        if (!down) return;
        down = false;
        logger.info(
          { event: "store_connection_restored", store: "redis", url: redisLabel },
          `Redis at ${redisLabel} is reachable again`,
        );
      });
      try {
        await client.connect();
      } catch (error) {
        client.disconnect();
        // "Connection is closed" says less than the socket error that closed it.
        const cause = lastError ?? error;
        throw new ServerStartError(`Cannot connect to Redis at ${redisLabel}: ${scrub(causeOf(cause), secrets)}`, {
          cause,
        });
      }
    }

    const sqliteLabel = sqlite === null ? "" : `sqlite:${config.database}`;
    const fromRedis =
      redis === null || redisDriver === null
        ? null
        : redisDriver.redisStores({
            client: redis,
            keyPrefix: config.redisKeyPrefix,
            ...(clock === undefined ? {} : { clock }),
          });
    const listening =
      sqlite !== null && options.sqliteChanges === "listen"
        ? await listeningSqliteStores(sqlite.database, config.database, logger)
        : null;
    if (listening !== null) closers.push(() => listening.close());
    const userStore =
      postgres?.users ?? listening?.users ?? (sqlite === null ? null : sqliteUserStore(sqlite.database));
    const sessionSide = fromRedis ?? postgres ?? sqlite?.stores ?? null;
    if (userStore === null || sessionSide === null) throw new Error("internal: no store was opened");
    // Keys, verified addresses and the mail outbox live beside the users (SQL), never in Redis.
    const accountStore =
      postgres?.accounts ?? listening?.accounts ?? (sqlite === null ? null : sqliteAccountStore(sqlite.database));
    // Passkeys live beside the users (SQLite or PostgreSQL), whatever holds the sessions.
    const passkeyStore = postgres?.passkeys ?? (sqlite === null ? null : sqlitePasskeyStore(sqlite.database));
    const sessionStore =
      fromRedis === null && postgres === null && listening !== null ? listening.sessions : sessionSide.sessions;
    const stores: Stores = {
      sessions: sessionStore,
      throttle: sessionSide.throttle,
      users: userStore,
      ...(accountStore === null ? {} : { accounts: accountStore }),
      ...(passkeyStore === null ? {} : { passkeys: passkeyStore }),
    };
    // Second factors live beside the users (PostgreSQL or SQLite), like the account records.
    const mfaStore = postgres?.mfa ?? (sqlite === null ? null : sqliteMfaStore(sqlite.database));
    if (mfaStore !== null) stores.mfa = mfaStore;
    const sessionsLabel = redis !== null ? redisLabel : postgres !== null ? postgresLabel : sqliteLabel;
    const layout: StoreLayout = {
      users: postgres !== null ? postgresLabel : sqliteLabel,
      sessions: sessionsLabel,
      throttle: sessionsLabel,
    };

    let bus: InvalidationBus | null = null;
    if (config.latchkey.sessionCache?.enabled === true) {
      if (redis !== null && redisDriver !== null)
        bus = redisDriver.redisInvalidationBus({ client: redis, keyPrefix: config.redisKeyPrefix, logger });
      else if (pool !== null && postgresDriver !== null) bus = postgresDriver.postgresInvalidationBus({ pool, logger });
      else
        throw new ServerStartError(
          "sessionCache.enabled needs Redis or PostgreSQL to carry invalidations between processes.",
        );
      const opened = bus;
      closers.push(() => opened.close());
    }

    const sessionBackend = redis !== null ? "redis" : postgres !== null ? "postgres" : "sqlite";
    const checkReady = createReadinessCheck({
      sqlite: sqlite?.database ?? null,
      postgres: pool,
      redis,
      roles: { users: postgres !== null ? "postgres" : "sqlite", sessions: sessionBackend, throttle: sessionBackend },
      bus,
    });
    const purgePool = pool;
    const purgePostgres = postgresDriver;
    const purgeSqlite = sqlite;
    return {
      stores,
      bus,
      applied,
      layout,
      checkReady,
      async purgeThrottleCounters(now) {
        if (redis !== null) return 0;
        if (purgePool !== null && purgePostgres !== null)
          return purgePostgres.deleteExpiredPostgresThrottleCounters(purgePool, now);
        return purgeSqlite === null ? 0 : deleteExpiredThrottleCounters(purgeSqlite.database, now);
      },
      close: closeAll,
      announceChanges: () =>
        purgeSqlite !== null && options.sqliteChanges === "announce"
          ? announceSqliteWrites(purgeSqlite.database, config.database)
          : Promise.resolve(),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
