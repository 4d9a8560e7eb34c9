import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runStoreContract } from "@latchkey/store-contract";
import { requireProgram, startPostgres, type PostgresServer } from "@latchkey/testkit";
import { migratePostgres, pendingPostgresMigrations, PostgresMigrationsPendingError } from "./migrate.js";
import { postgresMigrations } from "./migrations.js";
import { postgresStores } from "./postgres-stores.js";
import { createSchema, openPool, postgresContractFactory } from "./postgres-subject.test.helper.js";

describe("PostgreSQL", { skip: requireProgram("initdb", "postgres", "pg_isready", "createdb") }, () => {
  let server: PostgresServer | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.dispose();
  });
  const current = (): PostgresServer => {
    if (server === undefined) throw new Error("PostgreSQL did not start");
    return server;
  };

  runStoreContract("postgres", postgresContractFactory(current));

  describe("migratePostgres()", () => {
    it("runs every migration on an empty schema and records each with its time", async () => {
      const { schema, drop } = await createSchema(current());
      const pool = openPool(current(), schema);
      try {
        assert.equal((await pendingPostgresMigrations(pool)).length, postgresMigrations.length);
        const result = await migratePostgres(pool, { now: () => 1_234 });
        assert.deepEqual(
          result.applied,
          postgresMigrations.map((m) => ({ version: m.version, name: m.name })),
        );
        assert.equal(result.version, postgresMigrations.at(-1)?.version);
        assert.deepEqual(await pendingPostgresMigrations(pool), []);
        const rows = await pool.query("SELECT version, applied_at::integer AS applied_at FROM latchkey_migrations");
        assert.deepEqual(
          rows.rows,
          postgresMigrations.map((m) => ({ version: m.version, applied_at: 1_234 })),
        );
      } finally {
        await pool.end();
        await drop();
      }
    });

    it("runs each step exactly once when five servers migrate the same database at the same moment", async () => {
      const { schema, drop } = await createSchema(current());
      const pools = Array.from({ length: 5 }, () => openPool(current(), schema));
      try {
        const results = await Promise.all(pools.map((pool) => migratePostgres(pool)));
        // Each step takes the lock on its own, so different servers may run different steps.
        const applied = results.flatMap((r) => r.applied).sort((a, b) => a.version - b.version);
        assert.deepEqual(
          applied,
          postgresMigrations.map((m) => ({ version: m.version, name: m.name })),
        );
        for (const result of results) assert.equal(result.version, postgresMigrations.at(-1)?.version);
        const count = await pools[0]?.query("SELECT count(*)::integer AS n FROM latchkey_migrations");
        assert.equal(count?.rows[0]?.n, postgresMigrations.length);
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
        await drop();
      }
    });

    it("creates the throttle table with a key, its count and its window end", async () => {
      const { schema, drop } = await createSchema(current());
      const pool = openPool(current(), schema);
      try {
        await migratePostgres(pool);
        const columns = await pool.query(
          `SELECT column_name, data_type FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = 'latchkey_throttle' ORDER BY ordinal_position`,
          [schema],
        );
        assert.deepEqual(columns.rows, [
          { column_name: "key", data_type: "text" },
          { column_name: "points", data_type: "integer" },
          { column_name: "expire", data_type: "bigint" },
        ]);
      } finally {
        await pool.end();
        await drop();
      }
    });
  });

  describe("postgresStores()", () => {
    it("refuses an unmigrated database with an error that says to run latchkey migrate", async () => {
      const { schema, drop } = await createSchema(current());
      const pool = openPool(current(), schema);
      try {
        await assert.rejects(
          postgresStores({ pool }),
          (error: unknown) =>
            error instanceof PostgresMigrationsPendingError &&
            error.pending.length === postgresMigrations.length &&
            error.message.includes("latchkey migrate"),
        );
      } finally {
        await pool.end();
        await drop();
      }
    });
  });
});
