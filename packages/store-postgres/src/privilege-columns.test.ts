import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { NewUser } from "@latchkey/core";
import { requireProgram, startPostgres, type PostgresServer } from "@latchkey/testkit";
import type pg from "pg";
import { migratePostgres } from "./migrate.js";
import { postgresMigrations } from "./migrations.js";
import { postgresStores } from "./postgres-stores.js";
import { createSchema, openPool, PATIENT_TIMEOUTS } from "./postgres-subject.test.helper.js";

type Stores = Awaited<ReturnType<typeof postgresStores>>;

function newUser(username: string, groups: string[] = [], permissions: string[] = []): NewUser {
  return {
    username,
    usernameKey: username,
    email: `${username}@example.com`,
    firstName: "",
    lastName: "",
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    groups,
    permissions,
    passwordHash: null,
    dateJoined: 1_700_000_000_000,
  };
}

/** Each user's stored arrays beside a fresh computation from the normalised tables (the reads' old subqueries). */
const STORED_AND_FRESH = `SELECT u.id::text AS id, u.group_names, u.effective_permissions,
    ARRAY(SELECT g.name FROM latchkey_user_groups ug JOIN latchkey_groups g ON g.id = ug.group_id
          WHERE ug.user_id = u.id ORDER BY g.name COLLATE "C") AS fresh_groups,
    ARRAY(SELECT p.permission FROM (
            SELECT permission FROM latchkey_user_permissions WHERE user_id = u.id
            UNION
            SELECT gp.permission FROM latchkey_user_groups ug
              JOIN latchkey_group_permissions gp ON gp.group_id = ug.group_id
            WHERE ug.user_id = u.id) p
          ORDER BY p.permission COLLATE "C") AS fresh_permissions
  FROM latchkey_users u ORDER BY u.id`;

interface StoredAndFresh {
  id: string;
  group_names: string[];
  effective_permissions: string[];
  fresh_groups: string[];
  fresh_permissions: string[];
}

/** Asserts every user's stored arrays equal a fresh computation; returns how many users there are. */
async function assertArraysExact(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<StoredAndFresh>(STORED_AND_FRESH);
  for (const row of rows) {
    assert.deepEqual(row.group_names, row.fresh_groups, `user ${row.id}: group names`);
    assert.deepEqual(row.effective_permissions, row.fresh_permissions, `user ${row.id}: effective permissions`);
  }
  return rows.length;
}

describe("PostgreSQL group names and effective permissions kept in latchkey_users", {
  skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
}, () => {
  let server: PostgresServer | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.dispose();
  });

  async function withSchema(test: (pool: pg.Pool, stores: Stores) => Promise<void>): Promise<void> {
    if (server === undefined) throw new Error("PostgreSQL did not start");
    const { schema, drop } = await createSchema(server);
    const pool = openPool(server, schema, PATIENT_TIMEOUTS);
    try {
      await migratePostgres(pool);
      await test(pool, await postgresStores({ pool }));
    } finally {
      await pool.end();
      await drop();
    }
  }

  it("shows every store write to groups and permissions on the very next read, the joined read included", () =>
    withSchema(async (pool, stores) => {
      await stores.users.setGroupPermissions("editors", ["posts.edit", "posts.view"]);
      const ann = await stores.users.createUser(newUser("ann", ["editors"], ["admin.view"]));
      assert.deepEqual([ann.groups, ann.permissions], [["editors"], ["admin.view", "posts.edit", "posts.view"]]);
      const sessionId = randomUUID();
      await stores.sessions.createSession({
        id: sessionId,
        secretHash: "h",
        userId: String(ann.id),
        kind: "cookie",
        createdAt: 1,
        lastSeenAt: 1,
        expiresAt: 9e12,
        absoluteExpiresAt: 9e12,
        ip: null,
        userAgent: null,
        label: null,
      });
      const joined = async (): Promise<readonly string[] | undefined> =>
        (await stores.sessions.getSessionWithUser?.(sessionId))?.user?.permissions;

      // A group's permission removed: gone for its member at once.
      await stores.users.setGroupPermissions("editors", ["posts.view"]);
      assert.deepEqual(await joined(), ["admin.view", "posts.view"]);
      // A direct permission removed.
      await stores.users.updateUser(String(ann.id), { permissions: [] });
      assert.deepEqual(await joined(), ["posts.view"]);
      // Moved out of the group: its permissions go with it.
      await stores.users.updateUser(String(ann.id), { groups: ["readers"] });
      assert.deepEqual(await joined(), []);
      assert.deepEqual((await stores.users.getUserById(String(ann.id)))?.groups, ["readers"]);
      // A permission given to a group reaches its members.
      await stores.users.setGroupPermissions("readers", ["posts.view", "comments.view"]);
      assert.deepEqual(await joined(), ["comments.view", "posts.view"]);
      // The Django import path (a batch in one transaction).
      const [imported] = await stores.users.createUsersAtomically([
        { ...newUser("bob", ["readers", "editors"], ["z.last"]), lastLogin: null },
      ]);
      assert.deepEqual(imported?.permissions, ["comments.view", "posts.view", "z.last"]);
      assert.deepEqual(imported?.groups, ["editors", "readers"]);
      assert.equal(await assertArraysExact(pool), 2);
    }));

  it("keeps the arrays exact through writes made in SQL: a renamed or deleted group, an edited row, a TRUNCATE", () =>
    withSchema(async (pool, stores) => {
      await stores.users.setGroupPermissions("staff", ["a.one", "b.two"]);
      const ann = await stores.users.createUser(newUser("ann", ["staff"], ["c.three"]));
      await stores.users.createUser(newUser("bob", ["staff"]));
      const permissionsOf = async (): Promise<readonly string[] | undefined> =>
        (await stores.users.getUserById(String(ann.id)))?.permissions;

      await pool.query("UPDATE latchkey_groups SET name = 'team' WHERE name = 'staff'");
      assert.deepEqual((await stores.users.getUserById(String(ann.id)))?.groups, ["team"]);
      await pool.query("UPDATE latchkey_group_permissions SET permission = 'a.uno' WHERE permission = 'a.one'");
      assert.deepEqual(await permissionsOf(), ["a.uno", "b.two", "c.three"]);
      await assertArraysExact(pool);
      await pool.query("DELETE FROM latchkey_groups WHERE name = 'team'");
      assert.deepEqual(await permissionsOf(), ["c.three"]);
      assert.deepEqual((await stores.users.getUserById(String(ann.id)))?.groups, []);
      await pool.query("TRUNCATE latchkey_user_permissions");
      assert.deepEqual(await permissionsOf(), []);
      assert.equal(await stores.users.deleteUser(String(ann.id)), true);
      assert.equal(await assertArraysExact(pool), 1);
    }));

  it("keeps the arrays exact when the write comes from a connection whose search_path lacks the schema", () =>
    withSchema(async (pool, stores) => {
      if (server === undefined) throw new Error("PostgreSQL did not start");
      const ann = await stores.users.createUser(newUser("ann"));
      const schema = (await pool.query<{ schema: string }>("SELECT current_schema() AS schema")).rows[0]?.schema;
      const other = openPool(server, undefined, PATIENT_TIMEOUTS);
      try {
        await other.query(
          `INSERT INTO ${schema ?? ""}.latchkey_user_permissions (user_id, permission) VALUES ($1, 'a.one')`,
          [ann.id],
        );
      } finally {
        await other.end();
      }
      assert.deepEqual((await stores.users.getUserById(String(ann.id)))?.permissions, ["a.one"]);
    }));

  it("refuses a privilege write under REPEATABLE READ, whose old snapshot could leave an array stale", () =>
    withSchema(async (pool, stores) => {
      const ann = await stores.users.createUser(newUser("ann"));
      const client = await pool.connect();
      try {
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
        await assert.rejects(
          client.query("INSERT INTO latchkey_user_permissions (user_id, permission) VALUES ($1, 'a.one')", [ann.id]),
          /READ COMMITTED or SERIALIZABLE/,
        );
      } finally {
        await client.query("ROLLBACK");
        client.release();
      }
      assert.deepEqual((await stores.users.getUserById(String(ann.id)))?.permissions, []);
    }));

  it("leaves no stale array after a burst of simultaneous group-permission, membership and direct-permission changes", () =>
    withSchema(async (pool, stores) => {
      const groups = ["g0", "g1", "g2", "g3"];
      const users = await Promise.all(
        Array.from({ length: 8 }, (_, i) => stores.users.createUser(newUser(`u${i}`, [groups[i % 4] ?? "g0"]))),
      );
      // A fixed, varied pattern (no randomness): round r gives group g and user u sets that overlap.
      const pick = <T>(items: readonly T[], r: number, k: number): T[] =>
        items.filter((_, i) => (i * 7 + r * 3 + k) % 3 !== 0);
      for (let round = 0; round < 4; round++) {
        const writes: Promise<unknown>[] = [];
        for (const [k, group] of groups.entries()) {
          writes.push(stores.users.setGroupPermissions(group, pick(["p.a", "p.b", "p.c", "p.d", "p.e"], round, k)));
        }
        for (const [k, user] of users.entries()) {
          const patch =
            k % 2 === 0 ? { groups: pick(groups, round, k) } : { permissions: pick(["d.x", "d.y", "p.a"], round, k) };
          writes.push(stores.users.updateUser(String(user.id), patch));
        }
        const results = await Promise.allSettled(writes);
        assert.deepEqual(
          results.filter((r) => r.status === "rejected"),
          [],
          "no write failed (no deadlock)",
        );
        assert.equal(await assertArraysExact(pool), users.length);
      }
    }));

  it("fills the arrays of users that existed before migration 6", async () => {
    if (server === undefined) throw new Error("PostgreSQL did not start");
    const { schema, drop } = await createSchema(server);
    const pool = openPool(server, schema, PATIENT_TIMEOUTS);
    try {
      // The schema as version 5 left it, with users, groups and permissions written in SQL.
      for (const migration of postgresMigrations.filter((m) => m.version < 6)) await pool.query(migration.sql);
      await pool.query(
        "CREATE TABLE latchkey_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)",
      );
      await pool.query("INSERT INTO latchkey_migrations SELECT v, 'old', 0 FROM generate_series(1, 5) v");
      await pool.query(`
        INSERT INTO latchkey_users (username, username_key, date_joined) VALUES ('ann', 'ann', 1), ('bob', 'bob', 1), ('cy', 'cy', 1);
        INSERT INTO latchkey_groups (name) VALUES ('Zeta'), ('alpha');
        INSERT INTO latchkey_group_permissions (group_id, permission)
          SELECT id, p FROM latchkey_groups, unnest(ARRAY['x.view', 'B.edit']) p WHERE name = 'alpha';
        INSERT INTO latchkey_group_permissions (group_id, permission) SELECT id, 'x.view' FROM latchkey_groups WHERE name = 'Zeta';
        INSERT INTO latchkey_user_groups (user_id, group_id) SELECT u.id, g.id FROM latchkey_users u, latchkey_groups g WHERE u.username = 'ann';
        INSERT INTO latchkey_user_permissions (user_id, permission) SELECT id, 'a.direct' FROM latchkey_users WHERE username IN ('ann', 'bob');
      `);
      const result = await migratePostgres(pool);
      assert.deepEqual(
        result.applied.map((m) => m.version),
        [6],
      );
      const stores = await postgresStores({ pool });
      const byName = async (name: string): Promise<[readonly string[], readonly string[]] | undefined> => {
        const user = await stores.users.getUserByUsernameKey(name);
        return user === null ? undefined : [user.groups, user.permissions];
      };
      assert.deepEqual(await byName("ann"), [
        ["Zeta", "alpha"],
        ["B.edit", "a.direct", "x.view"],
      ]);
      assert.deepEqual(await byName("bob"), [[], ["a.direct"]]);
      assert.deepEqual(await byName("cy"), [[], []]);
      assert.equal(await assertArraysExact(pool), 3);
    } finally {
      await pool.end();
      await drop();
    }
  });
});
