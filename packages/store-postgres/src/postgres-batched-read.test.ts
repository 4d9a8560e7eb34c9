import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { SessionRecord } from "@latchkey/core";
import { requireProgram, startPostgres, type PostgresServer } from "@latchkey/testkit";
import type pg from "pg";
import { migratePostgres } from "./migrate.js";
import { postgresStores } from "./postgres-stores.js";
import { createSchema, openPool, PATIENT_TIMEOUTS } from "./postgres-subject.test.helper.js";

const DAY_MS = 86_400_000;

function session(userId: string): SessionRecord {
  return {
    id: randomUUID(),
    secretHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    userId,
    kind: "cookie",
    createdAt: 1_700_000_000_000,
    lastSeenAt: 1_700_000_000_000,
    expiresAt: 1_700_000_000_000 + 14 * DAY_MS,
    absoluteExpiresAt: 1_700_000_000_000 + 30 * DAY_MS,
    ip: "203.0.113.7",
    userAgent: "Firefox ✓",
    label: null,
  };
}

type Stores = Awaited<ReturnType<typeof postgresStores>>;
type JoinedRead = NonNullable<Stores["sessions"]["getSessionWithUser"]>;

type NewUser = Parameters<Stores["users"]["createUser"]>[0];

/** Creates a plain user named after `name` (unique per run), with `fields` changed. */
function createNamedUser(stores: Pick<Stores, "users">, name: string, fields: Partial<NewUser> = {}) {
  return stores.users.createUser({
    username: `${name.toLowerCase()}-${randomUUID()}`,
    usernameKey: `${name.toLowerCase()}-${randomUUID()}`,
    email: `${name.toLowerCase()}@example.com`,
    firstName: name,
    lastName: "",
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    groups: [],
    permissions: [],
    passwordHash: null,
    dateJoined: 1_700_000_000_000,
    ...fields,
  });
}

/** The stores' joined read; the PostgreSQL stores always offer it. */
function joinedRead(stores: Stores): JoinedRead {
  const read = stores.sessions.getSessionWithUser?.bind(stores.sessions);
  assert.ok(read !== undefined, "the PostgreSQL stores offer the joined read");
  return read;
}

/** The pool, counting the statements sent through it. */
function counting(pool: pg.Pool): { pool: pg.Pool; statements(): number } {
  let count = 0;
  const proxy = new Proxy(pool, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== "query" || typeof value !== "function") return value;
      return (...args: unknown[]): unknown => {
        count++;
        return Reflect.apply(value, target, args);
      };
    },
  });
  return { pool: proxy, statements: () => count };
}

/** The pool, counting statements, and holding each one back from `hold()` until `open()`. */
function gated(pool: pg.Pool): { pool: pg.Pool; statements(): number; hold(): void; open(): void } {
  let count = 0;
  let gate: Promise<void> | null = null;
  let open: () => void = () => {};
  const proxy = new Proxy(pool, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== "query" || typeof value !== "function") return value;
      return async (...args: unknown[]): Promise<unknown> => {
        count++;
        if (gate !== null) await gate;
        return Reflect.apply(value, target, args);
      };
    },
  });
  return {
    pool: proxy,
    statements: () => count,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    open() {
      gate = null;
      open();
    },
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("PostgreSQL getSessionWithUser under concurrency", {
  skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
}, () => {
  let server: PostgresServer | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.dispose();
  });

  async function withStores(test: (stores: Stores, statements: () => number) => Promise<void>): Promise<void> {
    if (server === undefined) throw new Error("PostgreSQL did not start");
    const { schema, drop } = await createSchema(server);
    const pool = openPool(server, schema, PATIENT_TIMEOUTS);
    try {
      await migratePostgres(pool);
      const counted = counting(pool);
      await test(await postgresStores({ pool: counted.pool }), counted.statements);
    } finally {
      await pool.end();
      await drop();
    }
  }

  it("answers a burst of 60 simultaneous reads (two users, repeated and unknown ids) in one statement, each exactly as getSession and getUserById do", () =>
    withStores(async (stores, statements) => {
      const read = joinedRead(stores);
      const ada = await stores.users.createUser({
        username: `ada-${randomUUID()}`,
        usernameKey: `ada-${randomUUID()}`,
        email: "ada@example.com",
        firstName: "Ada",
        lastName: "Lovelace",
        isActive: true,
        isStaff: true,
        isSuperuser: false,
        groups: [],
        permissions: ["books.view_book", "books.add_book"],
        passwordHash: null,
        dateJoined: 1_700_000_000_000,
      });
      const bob = await createNamedUser(stores, "Bob", { isActive: false, dateJoined: 1_700_000_000_001 });
      const sessions = [
        ...Array.from({ length: 25 }, () => session(String(ada.id))),
        ...Array.from({ length: 20 }, () => session(String(bob.id))),
        session("999999"),
      ];
      for (const s of sessions) await stores.sessions.createSession(s);
      const ids = [
        ...sessions.map((s) => s.id),
        ...sessions.slice(0, 9).map((s) => s.id),
        ...Array.from({ length: 5 }, () => randomUUID()),
      ];
      assert.equal(ids.length, 60);
      const expected = await Promise.all(
        ids.map(async (id) => {
          const found = await stores.sessions.getSession(id);
          return found === null ? null : { session: found, user: await stores.users.getUserById(found.userId) };
        }),
      );
      const before = statements();
      const answers = await Promise.all(ids.map((id) => read(id)));
      assert.equal(statements() - before, 1, "one statement for the burst");
      assert.deepEqual(answers, expected);
      assert.equal(answers.filter((a) => a === null).length, 5, "the unknown ids find nothing");
    }));

  it("reads every value exactly as getSession and getUserById do, whatever characters names, groups and permissions hold", () =>
    withStores(async (stores) => {
      const read = joinedRead(stores);
      const awkward = ["NULL", "a,b", 'quote"d', "back\\slash", " spaced ", "{braces}", "ñ✓ 🎉", "semi;colon"];
      for (const [i, name] of awkward.entries()) await stores.users.setGroupPermissions(name, [`${name}.perm${i}`]);
      const user = await stores.users.createUser({
        username: `odd "name", {x}-${randomUUID()}`,
        usernameKey: `odd-${randomUUID()}`,
        email: "NULL",
        firstName: "\\N",
        lastName: "O'Brien ✓",
        isActive: true,
        isStaff: false,
        isSuperuser: true,
        groups: awkward,
        permissions: ["", "NULL", "x,y"],
        passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        dateJoined: 9_007_199_254_740_991,
      });
      await stores.users.updateUser(String(user.id), { lastLogin: 1_700_000_000_123 });
      const mine = { ...session(String(user.id)), ip: null, userAgent: 'Mozilla "quoted" \\ ✓', label: "NULL" };
      await stores.sessions.createSession(mine);
      const found = await read(mine.id);
      assert.deepEqual(found, { session: mine, user: await stores.users.getUserById(String(user.id)) });
      assert.equal(found?.user?.groups.length, awkward.length);
      assert.ok(found?.user?.permissions.includes(""), "an empty permission name is kept");
    }));

  it("sends the lookups made one per turn while a statement is in flight together in the next statement, each answered", async () => {
    if (server === undefined) throw new Error("PostgreSQL did not start");
    const { schema, drop } = await createSchema(server);
    const pool = openPool(server, schema, PATIENT_TIMEOUTS);
    try {
      await migratePostgres(pool);
      const setup = await postgresStores({ pool });
      const user = await createNamedUser(setup, "Kim");
      const sessions = Array.from({ length: 6 }, () => session(String(user.id)));
      for (const s of sessions) await setup.sessions.createSession(s);
      const gate = gated(pool);
      const read = joinedRead(await postgresStores({ pool: gate.pool }));
      const before = gate.statements();
      gate.hold();
      const first = read(sessions[0]?.id ?? "");
      await nextTurn();
      assert.equal(gate.statements() - before, 1, "the first lookup's statement is in flight (held at the gate)");
      const later: Promise<unknown>[] = [];
      for (const s of sessions.slice(1)) {
        later.push(read(s.id));
        await nextTurn();
      }
      assert.equal(gate.statements() - before, 1, "five requests in five turns sent nothing while it was in flight");
      gate.open();
      const answers = await Promise.all([first, ...later]);
      assert.equal(gate.statements() - before, 2, "they went out together in one statement");
      assert.deepEqual(
        answers.map((answer) => (answer as { session: SessionRecord } | null)?.session),
        sessions,
      );
    } finally {
      await pool.end();
      await drop();
    }
  });

  it("never answers a read made after a session's deletion with the session, even while an earlier read of it is in flight", () =>
    withStores(async (stores) => {
      const read = joinedRead(stores);
      const user = await createNamedUser(stores, "Eve");
      for (let round = 0; round < 20; round++) {
        const revoked = session(String(user.id));
        await stores.sessions.createSession(revoked);
        const earlier = read(revoked.id);
        await stores.sessions.deleteSession(revoked.id);
        // The deletion committed: every read made from now on must miss, whatever is in flight.
        const later = await Promise.all(Array.from({ length: 10 }, () => read(revoked.id)));
        assert.deepEqual(
          later,
          Array.from({ length: 10 }, () => null),
          `round ${round}`,
        );
        const first = await earlier;
        assert.ok(first === null || first.session.id === revoked.id);
      }
    }));
  it("hands back the same user object while the user's row is unchanged, and the changed user right after a deactivation", () =>
    withStores(async (stores) => {
      const read = joinedRead(stores);
      const user = await createNamedUser(stores, "Zoe", { permissions: ["books.view_book"] });
      const mine = session(String(user.id));
      await stores.sessions.createSession(mine);
      const first = (await read(mine.id))?.user;
      assert.equal(
        (await read(mine.id))?.user,
        first,
        "an unchanged row gives the same object (rendered once by core)",
      );
      await stores.users.updateUser(String(user.id), { isActive: false });
      const after = (await read(mine.id))?.user;
      assert.equal(after?.isActive, false, "the deactivation is seen by the next read");
      assert.notEqual(after, first);
    }));
});
