import { after, before, describe } from "node:test";
import { migratePostgres, postgresStores, postgresThrottleStore } from "@latchkey/store-postgres";
import { requireProgram, startPostgres, type PostgresServer } from "@latchkey/testkit";
import pg from "pg";
import { mfaRules } from "./mfa-rules.js";

describe("second factors on PostgreSQL (node adapter)", {
  skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
}, () => {
  let postgres: PostgresServer;
  let pool: pg.Pool;
  before(async () => {
    postgres = await startPostgres();
    pool = new pg.Pool({ connectionString: postgres.url, max: 20 });
    // An idle connection cut while PostgreSQL stops must not crash the test process.
    pool.on("error", () => {});
    await migratePostgres(pool);
  });
  after(async () => {
    await pool?.end();
    await postgres?.dispose();
  });

  // One database for the suite: every test makes users of its own (unique names), so none sees another's rows.
  mfaRules(async (now) => ({
    stores: { ...(await postgresStores({ pool })), throttle: postgresThrottleStore(pool, { now }) },
    cleanup: async () => {},
  }));
});
