import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ThrottleStore } from "@latchkey/core";
import { memoryThrottleStore } from "@latchkey/store-memory";
import { migratePostgres, postgresThrottleStore, recommendedPoolOptions } from "@latchkey/store-postgres";
import { recommendedRedisOptions, redisThrottleStore } from "@latchkey/store-redis";
import { migrateSqlite, openSqliteDatabase, sqliteThrottleStore } from "@latchkey/store-sqlite";
import { requireProgram, startPostgres, startRedis } from "@latchkey/testkit";
import { Redis } from "ioredis";
import pg from "pg";

/** A throttle store over a real backend started for the test, and how to dispose of both. */
export interface OpenThrottle {
  readonly throttle: ThrottleStore;
  close(): Promise<void>;
}

/** One kind of throttle store the HTTP suites run against. */
export interface ThrottleBackend {
  readonly name: string;
  /** Why the backend cannot run here (a missing program), or false; see `requireProgram`. */
  readonly skip: string | false;
  open(): Promise<OpenThrottle>;
}

/**
 * Every throttle store latchkey ships: in memory, SQLite, Redis (a redis-server of its own) and PostgreSQL (a server of
 * its own).
 */
export function throttleBackends(): ThrottleBackend[] {
  return [
    { name: "memory", skip: false, open: async () => ({ throttle: memoryThrottleStore(), close: async () => {} }) },
    {
      name: "SQLite",
      skip: false,
      async open() {
        const dir = mkdtempSync(join(tmpdir(), "latchkey-throttle-"));
        const database = openSqliteDatabase(join(dir, "throttle.sqlite3"));
        migrateSqlite(database);
        return {
          throttle: sqliteThrottleStore(database),
          async close() {
            database.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
    {
      name: "Redis",
      skip: requireProgram("redis-server"),
      async open() {
        const server = await startRedis();
        const client = new Redis(server.url, { ...recommendedRedisOptions, lazyConnect: true });
        try {
          await client.connect();
        } catch (error) {
          await server.dispose();
          throw error;
        }
        return {
          throttle: redisThrottleStore({ client }),
          async close() {
            client.disconnect();
            await server.dispose();
          },
        };
      },
    },
    {
      name: "PostgreSQL",
      skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
      async open() {
        const server = await startPostgres();
        const pool = new pg.Pool({ connectionString: server.url, ...recommendedPoolOptions });
        pool.on("error", () => {});
        try {
          await migratePostgres(pool);
        } catch (error) {
          await pool.end();
          await server.dispose();
          throw error;
        }
        return {
          throttle: postgresThrottleStore(pool),
          async close() {
            await pool.end();
            await server.dispose();
          },
        };
      },
    },
  ];
}
