import type { Cluster, Redis } from "ioredis";
import type pg from "pg";

/**
 * Loading the PostgreSQL and Redis client libraries, and latchkey's stores for them, only
 * when the configuration names PostgreSQL (`databaseUrl`) or Redis (`redisUrl`,
 * `redisClusterNodes`). A server on SQLite alone never loads them: imported, `pg`, `ioredis`
 * and the two store packages hold about 3 MiB of V8 heap and add about 13 MiB of resident
 * memory to the process (docs/production.md, "Resident memory").
 */

/** `@latchkey/store-postgres` with the `pg` driver. */
export type PostgresDriver = typeof import("@latchkey/store-postgres") & { readonly pg: typeof pg };

/** `@latchkey/store-redis` with the ioredis client classes. */
export type RedisDriver = typeof import("@latchkey/store-redis") & {
  readonly Redis: typeof Redis;
  readonly Cluster: typeof Cluster;
};

/** Imports the PostgreSQL driver and store (once; later calls get the loaded modules). */
export async function loadPostgres(): Promise<PostgresDriver> {
  const [store, driver] = await Promise.all([import("@latchkey/store-postgres"), import("pg")]);
  return { ...store, pg: driver.default };
}

/** Imports the Redis client and store (once; later calls get the loaded modules). */
export async function loadRedis(): Promise<RedisDriver> {
  const [store, client] = await Promise.all([import("@latchkey/store-redis"), import("ioredis")]);
  return { ...store, Redis: client.Redis, Cluster: client.Cluster };
}
