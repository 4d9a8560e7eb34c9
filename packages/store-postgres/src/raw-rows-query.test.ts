import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requireProgram, startPostgres, type PostgresServer } from "@latchkey/testkit";
import pg from "pg";
import { HOT_READ_COLUMNS, RAW_TEXT } from "./hot-read.js";
import { migratePostgres } from "./migrate.js";
import { postgresStores } from "./postgres-stores.js";
import { rawRowsSupported, runRawRows, textArrayLiteral } from "./raw-rows-query.js";
import { openPool, PATIENT_TIMEOUTS } from "./postgres-subject.test.helper.js";

/** Ids a cookie could carry that need quoting inside an array literal. */
const AWKWARD = ['say "hi"', "back\\slash", "{braces}", "a,b", " spaced ", "", "NULL", "ümlaut ✓", '\\"'];

describe("raw rows: the hot read's Bind/Execute-only statements", {
  skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
}, () => {
  let server: PostgresServer | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.dispose();
  });
  const started = (): PostgresServer => {
    if (server === undefined) throw new Error("PostgreSQL did not start");
    return server;
  };

  it("is used with the installed node-postgres' pools, and not with a pool of other clients (pg.native's)", () => {
    const pool = new pg.Pool({ connectionString: started().url });
    assert.equal(rawRowsSupported(pool), true);
    function NativeClient(): void {}
    assert.equal(rawRowsSupported({ Client: NativeClient } as unknown as pg.Pool), false);
    return pool.end();
  });

  it("sends every id back exactly, whatever quotes, backslashes, braces or commas it holds", async () => {
    const pool = openPool(started(), undefined, PATIENT_TIMEOUTS);
    try {
      const rows = await runRawRows(
        pool,
        "raw-test-echo",
        "SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS t(x, n) ORDER BY n",
        [textArrayLiteral(AWKWARD)],
      );
      assert.deepEqual(
        rows.map((row) => row[0]),
        AWKWARD,
      );
    } finally {
      await pool.end();
    }
  });

  it("answers the same rows as node-postgres' own query, prepared once per connection and reused", async () => {
    const pool = openPool(started(), undefined, PATIENT_TIMEOUTS);
    try {
      await migratePostgres(pool);
      const stores = await postgresStores({ pool });
      const user = await stores.users.createUser({
        username: "raw",
        usernameKey: "raw",
        email: "raw@example.com",
        firstName: "Raw",
        lastName: "Rows",
        isActive: true,
        isStaff: false,
        isSuperuser: false,
        passwordHash: null,
        dateJoined: 1_700_000_000_000,
        groups: ["editors"],
        permissions: ["blog.add_post"],
      });
      for (const id of ["s1", "s2"])
        await stores.sessions.createSession({
          id,
          secretHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
          userId: String(user.id),
          kind: "cookie",
          createdAt: 1,
          lastSeenAt: 2,
          expiresAt: 3,
          absoluteExpiresAt: 4,
          ip: null,
          userAgent: "Firefox ✓",
          label: null,
        });
      const text = `SELECT ${HOT_READ_COLUMNS} FROM unnest($1::text[]) AS wanted(id)
        JOIN latchkey_sessions s ON s.id = wanted.id LEFT JOIN latchkey_users u ON u.id = s.user_id::bigint
        ORDER BY s.id`;
      const ids = textArrayLiteral(["s2", "s1", "missing"]);
      const expected = (await pool.query({ text, values: [ids], rowMode: "array", types: RAW_TEXT })).rows;
      assert.equal(expected.length, 2);
      // One connection: Parse with the first run, then Bind/Execute only.
      const single = new pg.Pool({ connectionString: started().url, max: 1 });
      single.on("error", () => {});
      try {
        for (let i = 0; i < 3; i++) assert.deepEqual(await runRawRows(single, "raw-test-hot", text, [ids]), expected);
        const prepared = await single.query(
          "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = 'raw-test-hot'",
        );
        assert.equal(prepared.rows[0]?.n, 1);
      } finally {
        await single.end();
      }
    } finally {
      await pool.end();
    }
  });

  it("rejects a failing statement with PostgreSQL's error and leaves its connection usable", async () => {
    const pool = new pg.Pool({ connectionString: started().url, max: 1 });
    pool.on("error", () => {});
    try {
      await assert.rejects(
        runRawRows(pool, "raw-test-cast", "SELECT $1::int", ["not a number"]),
        /invalid input syntax/,
      );
      // The pool's one connection answers the next statements, the failed one's name included.
      assert.deepEqual(await runRawRows(pool, "raw-test-cast", "SELECT $1::int", ["42"]), [["42"]]);
      assert.equal((await pool.query("SELECT 1 AS one")).rows[0]?.one, 1);
    } finally {
      await pool.end();
    }
  });
});
