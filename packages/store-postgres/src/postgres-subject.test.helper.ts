// A test helper (the ".test." in the name keeps it out of the published package).
import { randomUUID } from "node:crypto";
import type { StoreContractFactory } from "@latchkey/store-contract";
import type { PostgresServer } from "@latchkey/testkit";
import pg from "pg";
import { migratePostgres } from "./migrate.js";
import { postgresStores, recommendedPoolOptions } from "./postgres-stores.js";

/** Short timeouts for tests: an outage must show within a test's time, not after it. */
const TEST_TIMEOUTS = { connectionTimeoutMillis: 1_000, query_timeout: 2_000 };

/** Timeouts for tests that check no outage: a loaded machine (a burst opening many connections at once) must not fail them. */
export const PATIENT_TIMEOUTS = { connectionTimeoutMillis: 10_000, query_timeout: 10_000 };

/**
 * A pool to `server` whose connections use `schema` (when given), with the recommended
 * fail-fast options and short test timeouts unless `timeouts` says otherwise.
 */
export function openPool(server: PostgresServer, schema?: string, timeouts = TEST_TIMEOUTS): pg.Pool {
  const pool = new pg.Pool({
    connectionString: server.url,
    ...recommendedPoolOptions,
    ...timeouts,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection dying (the fault tests kill the server) is reported here; without a
  // listener node-postgres would crash the process.
  pool.on("error", () => {});
  return pool;
}

/** A new, empty schema on `server`; its name. Each test gets one, so tests never see each other's rows. */
export async function createSchema(server: PostgresServer): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `test_${randomUUID().replaceAll("-", "")}`;
  const admin = openPool(server);
  await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    schema,
    async drop() {
      try {
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** Contract subjects over one PostgreSQL server: a migrated schema per test, a pool per instance. */
export function postgresContractFactory(server: () => PostgresServer): StoreContractFactory {
  return async () => {
    const { schema, drop } = await createSchema(server());
    const pools: pg.Pool[] = [];
    const open = async () => {
      const pool = openPool(server(), schema, PATIENT_TIMEOUTS);
      pools.push(pool);
      if (pools.length === 1) await migratePostgres(pool);
      return postgresStores({ pool });
    };
    const stores = await open();
    return {
      stores,
      reopen: open,
      setGroupPermissions: (groupName, permissions) => stores.users.setGroupPermissions(groupName, permissions),
      async cleanup() {
        await Promise.all(pools.map((pool) => pool.end()));
        await drop();
      },
    };
  };
}
