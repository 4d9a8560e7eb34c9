import { after, before, describe } from "node:test";
import { cacheLeaseContract } from "@latchkey/store-contract";
import { requireProgram, startPostgres, type PostgresServer } from "@latchkey/testkit";
import pg from "pg";
import { migratePostgres } from "./migrate.js";
import { postgresCacheLeases } from "./postgres-cache-leases.js";
import { createSchema, openPool, PATIENT_TIMEOUTS } from "./postgres-subject.test.helper.js";

describe("PostgreSQL cache leases", { skip: requireProgram("initdb", "postgres", "pg_isready", "createdb") }, () => {
  let server: PostgresServer | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.dispose();
  });
  cacheLeaseContract(async () => {
    if (server === undefined) throw new Error("PostgreSQL did not start");
    const { schema, drop } = await createSchema(server);
    const pool = openPool(server, schema, PATIENT_TIMEOUTS);
    await migratePostgres(pool);
    return {
      leases: postgresCacheLeases(pool),
      async cleanup() {
        await pool.end();
        await drop();
      },
    };
  });

  describe("with renewals on a connection of their own (as the invalidation bus runs them)", () => {
    // The ordering must not depend on renewals and revocations sharing a pool: the bus renews
    // on its own connection while revocations run on the request pool.
    cacheLeaseContract(async () => {
      if (server === undefined) throw new Error("PostgreSQL did not start");
      const { schema, drop } = await createSchema(server);
      const pool = openPool(server, schema, PATIENT_TIMEOUTS);
      await migratePostgres(pool);
      const renewals = new pg.Pool({ ...pool.options, max: 1 });
      renewals.on("error", () => {});
      return {
        leases: postgresCacheLeases(pool, { renewals }),
        async cleanup() {
          await renewals.end();
          await pool.end();
          await drop();
        },
      };
    });
  });
});
