import type { Stores } from "@latchkey/core";
import { createListeningChangeWatch, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import type { StoreSpec } from "./server-spec.js";

/** Stores opened for a server under test, and how to let go of them. */
export interface OpenStores {
  stores: Stores;
  close(): Promise<void>;
}

/**
 * Opens the stores of `spec` the way an application would: a SQLite file with the
 * recommended pragmas, an ioredis client and a node-postgres pool with the recommended
 * fail-fast options, each connected before the server listens. The Redis and PostgreSQL
 * drivers are imported only when used, so they do not weigh on other servers' memory.
 */
export async function openStores(spec: StoreSpec): Promise<OpenStores> {
  switch (spec.type) {
    case "sqlite": {
      const database = openSqliteDatabase(spec.database);
      if (spec.cacheEntries !== undefined) {
        return {
          stores: sqliteStores({ database, cacheEntries: spec.cacheEntries }),
          close: async () => {
            database.close();
          },
        };
      }
      // A single-process app's recommended setup (docs/production.md): told about other
      // processes' writes instead of probing the file on every lookup.
      const listening = await createListeningChangeWatch(database, spec.database);
      return {
        stores: sqliteStores({ database, watch: listening.watch }),
        close: async () => {
          await listening.close();
          database.close();
        },
      };
    }
    case "redis": {
      const { Redis } = await import("ioredis");
      const { recommendedRedisOptions, redisStores } = await import("@latchkey/store-redis");
      const client = new Redis(spec.url, { ...recommendedRedisOptions, lazyConnect: true });
      await client.connect();
      const users = openSqliteDatabase(spec.usersDatabase);
      return {
        stores: { ...redisStores({ client }), users: sqliteStores({ database: users }).users },
        close: async () => {
          client.disconnect();
          users.close();
        },
      };
    }
    case "postgres": {
      const { default: pg } = await import("pg");
      const { postgresStores, recommendedPoolOptions } = await import("@latchkey/store-postgres");
      const pool = new pg.Pool({ connectionString: spec.url, ...recommendedPoolOptions });
      pool.on("error", (error) => console.error(`postgres pool: ${error.message}`));
      return { stores: await postgresStores({ pool }), close: () => pool.end() };
    }
  }
}
