// Requests answered from the SQLite stores' memory (peekSession / peekUserById): no store read
// and no promise per layer, and still every rule of a store read. Each test performs the
// attack the rule stops against a session the stores hold in memory.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { afterEach, describe, it } from "node:test";
import { createLatchkey, type Latchkey, type SessionRecord, type Stores } from "@latchkey/core";
import { openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import { createSignedIn, whoamiRequest as whoami } from "../harness/signed-in.js";
import { createTestClock, type TestClock } from "../harness/test-clock.js";
import { fastHasher } from "../harness/test-latchkey.js";
import { createTestStores, type TestStores } from "../harness/test-stores.js";

const DAY_MS = 86_400_000;

interface Setup {
  latchkey: Latchkey;
  clock: TestClock;
  test: TestStores;
  /** Reads that reached the stores (getSession, getUserById), counted. */
  reads: { sessions: number; users: number };
  userId: string;
  session: SessionRecord;
  token: string;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function setUp(): Promise<Setup> {
  const clock = createTestClock();
  const test = createTestStores(clock.now);
  cleanups.push(test.cleanup);
  const reads = { sessions: 0, users: 0 };
  const real = test.stores;
  const stores: Stores = {
    ...real,
    sessions: {
      ...real.sessions,
      getSession: (id) => {
        reads.sessions += 1;
        return real.sessions.getSession(id);
      },
    },
    users: {
      ...real.users,
      getUserById: (id) => {
        reads.users += 1;
        return real.users.getUserById(id);
      },
    },
  };
  const { userId, session, token } = await createSignedIn(real, "mem", clock.now());
  const latchkey = createLatchkey({ stores, clock, passwords: { hasher: fastHasher } });
  return { latchkey, clock, test, reads, userId, session, token };
}

/** Answers whoami twice, so the session and user are in the stores' memory afterwards. */
async function warm(setup: Setup): Promise<void> {
  for (let i = 0; i < 2; i++) assert.equal((await setup.latchkey.handle(whoami(setup.token)))?.status, 200);
}

/** Another connection to the same file, as a `latchkey` command or another process has. */
function otherConnection(setup: Setup): ReturnType<typeof sqliteStores> {
  const database = openSqliteDatabase(setup.test.path);
  cleanups.unshift(() => database.close());
  return sqliteStores({ database });
}

describe("requests answered from the SQLite stores' memory", () => {
  it("read neither store once the session and its user are in memory", async () => {
    const setup = await setUp();
    await warm(setup);
    const before = { ...setup.reads };
    for (let i = 0; i < 5; i++) {
      const answer = await setup.latchkey.handle(whoami(setup.token));
      assert.equal(answer?.status, 200);
      assert.equal((answer?.body as { username?: string } | undefined)?.username, "mem");
    }
    assert.deepEqual(setup.reads, before, "no getSession or getUserById for answers from memory");
    assert.ok(before.sessions >= 1 && before.users >= 1, "the first request read both stores");
  });

  it("refuse a session in memory on the very next request after another connection deleted it (a revocation by a latchkey command)", async () => {
    const setup = await setUp();
    await warm(setup);
    await otherConnection(setup).sessions.deleteSession(setup.session.id);
    assert.equal((await setup.latchkey.handle(whoami(setup.token)))?.status, 401);
  });

  it("refuse a session in memory on the very next request after another connection deactivated its user", async () => {
    const setup = await setUp();
    await warm(setup);
    await otherConnection(setup).users.updateUser(setup.userId, { isActive: false });
    assert.equal((await setup.latchkey.handle(whoami(setup.token)))?.status, 401);
  });

  it("refuse a guessed secret for a session id in memory", async () => {
    const setup = await setUp();
    await warm(setup);
    const guessed = `${setup.session.id}.${randomBytes(32).toString("base64url")}`;
    assert.equal((await setup.latchkey.handle(whoami(guessed)))?.status, 401);
    assert.equal((await setup.latchkey.handle(whoami(setup.token)))?.status, 200, "the real token still works");
  });

  it("refuse a session in memory once past its idle expiry, and delete it from the store", async () => {
    const setup = await setUp();
    await warm(setup);
    setup.clock.advance(14 * DAY_MS);
    assert.equal((await setup.latchkey.handle(whoami(setup.token)))?.status, 401);
    assert.equal(await setup.test.stores.sessions.getSession(setup.session.id), null);
  });

  it("still write the sliding expiry back once per touch interval, and send the refreshed cookie", async () => {
    const setup = await setUp();
    await warm(setup);
    setup.clock.advance(301_000);
    const answer = await setup.latchkey.handle(whoami(setup.token));
    assert.equal(answer?.status, 200);
    assert.ok(
      answer?.cookies.some((c) => c.startsWith("sessionid=")),
      "the refreshed session cookie is sent",
    );
    const stored = await setup.test.stores.sessions.getSession(setup.session.id);
    assert.equal(stored?.lastSeenAt, setup.clock.now());
    const next = await setup.latchkey.handle(whoami(setup.token));
    assert.deepEqual(next?.cookies, [], "written once per interval, not on every request");
  });
});
