import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import {
  createLatchkey,
  createLocalInvalidationBus,
  type CacheLeaseStore,
  type InvalidationBus,
  type Latchkey,
  type LatchkeyRequest,
  type Stores,
} from "@latchkey/core";
import { migrateSqlite, openSqliteDatabase, sqliteStores, sqliteUserStore } from "@latchkey/store-sqlite";
import { recommendedRedisOptions, redisInvalidationBus, redisStores } from "@latchkey/store-redis";
import { requireProgram, startRedis, waitUntil } from "@latchkey/testkit";
import { Redis } from "ioredis";
import { fastHasher } from "../harness/test-latchkey.js";
import { createTestClock, type TestClock } from "../harness/test-clock.js";
import { tempDir } from "../server/latchkey-process.js";

const PASSWORD = "correct horse battery staple";

/** How often each store method ran. */
type Counts = Record<string, number>;

/** The stores with every call counted, so a test can say "this request read no store". */
function counted(stores: Stores): { stores: Stores; counts: Counts } {
  const counts: Counts = {};
  const wrap = <T extends object>(target: T, prefix: string): T => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(target)) {
      out[name] =
        typeof value === "function"
          ? (...args: unknown[]) => {
              counts[`${prefix}.${name}`] = (counts[`${prefix}.${name}`] ?? 0) + 1;
              return Reflect.apply(value, target, args);
            }
          : value;
    }
    return Object.assign(Object.create(null), out) as T;
  };
  return {
    stores: {
      sessions: wrap(stores.sessions, "sessions"),
      users: wrap(stores.users, "users"),
      throttle: stores.throttle,
    },
    counts,
  };
}

function reads(counts: Counts): number {
  return (counts["sessions.getSession"] ?? 0) + (counts["users.getUserById"] ?? 0);
}

/** A request as an adapter would hand it to latchkey. */
function request(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): LatchkeyRequest {
  const bytes = new TextEncoder().encode(body === undefined ? "" : JSON.stringify(body));
  const lower = Object.fromEntries(
    Object.entries({ ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers }).map(
      ([k, v]) => [k.toLowerCase(), v],
    ),
  );
  return {
    method,
    path,
    header: (name) => lower[name],
    remoteAddress: "127.0.0.1",
    encrypted: false,
    readBody: async () => bytes,
  };
}

/** Logs in for a bearer token (no CSRF dance needed) and returns it with its session id. */
async function tokenFor(latchkey: Latchkey, username: string): Promise<{ token: string; id: string }> {
  const res = await latchkey.handle(request("POST", "/api/token/login/", {}, { username, password: PASSWORD }));
  assert.equal(res?.status, 200, JSON.stringify(res?.body));
  const token = (res?.body as { token?: unknown } | undefined)?.token;
  assert.ok(typeof token === "string");
  return { token, id: token.slice(0, 22) };
}

/** The username `token` authenticates as, or null. */
async function whoami(latchkey: Latchkey, token: string): Promise<string | null> {
  const result = await latchkey.authenticateRequest(
    request("GET", "/api/hello/", { authorization: `Bearer ${token}` }),
  );
  if (!result.ok) {
    assert.equal(result.response.status, 401, JSON.stringify(result.response.body));
    return null;
  }
  return result.auth?.user.username ?? null;
}

/**
 * A latchkey with a session cache over SQLite stores in a temp dir, counted, on `bus`;
 * `adjust` may replace store methods first (to hold a read in flight).
 */
function cachedLatchkey(bus: InvalidationBus, clock: TestClock = createTestClock(), adjust?: (stores: Stores) => void) {
  const dir = tempDir("latchkey-cache-");
  const database = openSqliteDatabase(`${dir.path}/latchkey.sqlite3`);
  migrateSqlite(database);
  const { stores, counts } = counted(sqliteStores({ database }));
  adjust?.(stores);
  const latchkey = createLatchkey({
    stores,
    clock,
    invalidationBus: bus,
    sessionCache: { enabled: true },
    passwords: { hasher: fastHasher },
    throttle: { enabled: false },
  });
  return {
    latchkey,
    counts,
    clock,
    cleanup() {
      database.close();
      dir.cleanup();
    },
  };
}

describe("the session cache inside one process", () => {
  it("answers an authenticated request from memory: neither the session nor the user is read again", async () => {
    const t = cachedLatchkey(createLocalInvalidationBus());
    try {
      assert.equal((await t.latchkey.accounts.createUser({ username: "hot", password: PASSWORD })).ok, true);
      const { token } = await tokenFor(t.latchkey, "hot");
      assert.equal(await whoami(t.latchkey, token), "hot");
      const afterFill = reads(t.counts);
      for (let i = 0; i < 20; i += 1) assert.equal(await whoami(t.latchkey, token), "hot");
      assert.equal(reads(t.counts), afterFill, "20 cached requests read no store");
      assert.equal(t.latchkey.sessions.cacheStats()?.hits, 20);
    } finally {
      t.cleanup();
    }
  });

  it("reads the store once for a burst of simultaneous requests with one token on an empty cache", async () => {
    const t = cachedLatchkey(createLocalInvalidationBus());
    try {
      await t.latchkey.accounts.createUser({ username: "burst", password: PASSWORD });
      const { token } = await tokenFor(t.latchkey, "burst");
      const before = t.counts["sessions.getSession"] ?? 0;
      const answers = await Promise.all(Array.from({ length: 20 }, () => whoami(t.latchkey, token)));
      assert.deepEqual(answers, Array(20).fill("burst"));
      assert.equal((t.counts["sessions.getSession"] ?? 0) - before, 1, "20 simultaneous requests, one session read");
    } finally {
      t.cleanup();
    }
  });

  it("never hands a request arriving after a revocation the store read that began before it", async () => {
    // While `holding`, a session read fetches its row and then waits to be released: a slow
    // store round trip still in flight while a revocation completes beside it.
    let holding = false;
    const held: Array<() => void> = [];
    const t = cachedLatchkey(createLocalInvalidationBus(), createTestClock(), (stores) => {
      const read = stores.sessions.getSession.bind(stores.sessions);
      stores.sessions.getSession = async (id) => {
        const row = await read(id);
        if (holding) await new Promise<void>((resolve) => held.push(resolve));
        return row;
      };
    });
    try {
      await t.latchkey.accounts.createUser({ username: "race", password: PASSWORD });
      const { token, id } = await tokenFor(t.latchkey, "race");
      holding = true;
      const early = whoami(t.latchkey, token);
      await waitUntil("the early read to be held", async () => held.length === 1, { timeoutMs: 5_000, intervalMs: 1 });
      holding = false;
      await t.latchkey.sessions.revoke(id);
      // Arrives after the revocation was answered, while the early read is still in flight.
      const late = whoami(t.latchkey, token);
      assert.equal(await late, null, "the request after the revocation is refused");
      for (const resolve of held) resolve();
      // The early request began before the revocation: either answer is allowed for it.
      await early;
      assert.equal(await whoami(t.latchkey, token), null);
    } finally {
      for (const resolve of held) resolve();
      t.cleanup();
    }
  });

  it("hands routes a frozen user: a handler changing it throws, and the user's next request is authorised as stored", async () => {
    const t = cachedLatchkey(createLocalInvalidationBus());
    try {
      await t.latchkey.accounts.createUser({ username: "plain", password: PASSWORD });
      const { token } = await tokenFor(t.latchkey, "plain");
      const authed = async () => {
        const result = await t.latchkey.authenticateRequest(
          request("GET", "/api/hello/", { authorization: `Bearer ${token}` }),
        );
        assert.ok(result.ok && result.auth !== null);
        return result.auth.user;
      };
      const user = await authed();
      // What a careless handler would do to "promote" the user for the rest of its request.
      assert.throws(() => {
        user.isStaff = true;
      }, TypeError);
      assert.throws(() => user.permissions.push("admin.everything"), TypeError);
      const next = await authed();
      assert.equal(next.isStaff, false);
      assert.deepEqual(next.permissions, []);
    } finally {
      t.cleanup();
    }
  });

  it("still writes the sliding expiry back once per touch interval, from cached requests too", async () => {
    const t = cachedLatchkey(createLocalInvalidationBus());
    try {
      await t.latchkey.accounts.createUser({ username: "slide", password: PASSWORD });
      const { token } = await tokenFor(t.latchkey, "slide");
      assert.equal(await whoami(t.latchkey, token), "slide");
      const readsBefore = reads(t.counts);
      t.clock.advance(301_000);
      for (let i = 0; i < 5; i += 1) assert.equal(await whoami(t.latchkey, token), "slide");
      assert.equal(t.counts["sessions.updateSessionExpiration"], 1, "one write-back for five requests in one interval");
      t.clock.advance(301_000);
      assert.equal(await whoami(t.latchkey, token), "slide");
      assert.equal(t.counts["sessions.updateSessionExpiration"], 2);
      // The TTL (60 s) passed, so the entry was re-read once after each advance; no more.
      assert.equal(reads(t.counts) - readsBefore, 4);
    } finally {
      t.cleanup();
    }
  });

  it("writes a session's sliding expiry back once for simultaneous requests that all find it due", async () => {
    const t = cachedLatchkey(createLocalInvalidationBus());
    try {
      await t.latchkey.accounts.createUser({ username: "page", password: PASSWORD });
      const { token } = await tokenFor(t.latchkey, "page");
      assert.equal(await whoami(t.latchkey, token), "page");
      t.clock.advance(301_000);
      // A page's parallel requests (or a load's connections) arriving while the write is in flight.
      const answers = await Promise.all(Array.from({ length: 10 }, () => whoami(t.latchkey, token)));
      assert.deepEqual(answers, Array(10).fill("page"));
      assert.equal(t.counts["sessions.updateSessionExpiration"], 1, "one write-back for ten simultaneous requests");
      assert.equal(await whoami(t.latchkey, token), "page");
      assert.equal(t.counts["sessions.updateSessionExpiration"], 1, "and none after it within the interval");
    } finally {
      t.cleanup();
    }
  });

  it("answers a request that waited for another's write-back with the user it read itself, not the older one", async () => {
    // Attack stopped: a request sharing a write-back begun before the user was demoted must not
    // be authorised with the staff user that earlier request saw. (A promotion ends the
    // sessions instead; a deactivation refuses the request before any write-back.)
    // While `holding`, a write-back waits to be released before it reaches the store.
    let holding = false;
    const held: Array<() => void> = [];
    const t = cachedLatchkey(createLocalInvalidationBus(), createTestClock(), (stores) => {
      const write = stores.sessions.updateSessionExpiration.bind(stores.sessions);
      stores.sessions.updateSessionExpiration = async (id, lastSeenAt, expiresAt) => {
        if (holding) await new Promise<void>((resolve) => held.push(resolve));
        return write(id, lastSeenAt, expiresAt);
      };
    });
    try {
      const created = await t.latchkey.accounts.createUser({ username: "demoted", password: PASSWORD, isStaff: true });
      assert.ok(created.ok);
      const { token } = await tokenFor(t.latchkey, "demoted");
      const authed = async () => {
        const result = await t.latchkey.authenticateRequest(
          request("GET", "/api/hello/", { authorization: `Bearer ${token}` }),
        );
        assert.ok(result.ok && result.auth !== null);
        return result.auth.user;
      };
      assert.equal((await authed()).isStaff, true);
      t.clock.advance(301_000);
      holding = true;
      const early = authed();
      await waitUntil("the early write-back to be held", async () => held.length === 1, {
        timeoutMs: 5_000,
        intervalMs: 1,
      });
      await t.latchkey.accounts.updateUser(String(created.value.id), { isStaff: false });
      // Arrives after the change: reads the store again (the demotion dropped the entry), finds
      // the session still due, and waits for the held write instead of writing again.
      const readsBefore = reads(t.counts);
      const late = authed();
      await waitUntil("the late request to read the store", async () => reads(t.counts) > readsBefore, {
        timeoutMs: 5_000,
        intervalMs: 1,
      });
      holding = false;
      for (const resolve of held) resolve();
      assert.equal((await late).isStaff, false, "the request after the demotion is authorised as the user now is");
      // The early request began before the demotion: either answer is allowed for it.
      await early;
      assert.equal(t.counts["sessions.updateSessionExpiration"], 1, "the late request shared the write");
    } finally {
      for (const resolve of held) resolve();
      t.cleanup();
    }
  });

  it("reads the store again once a hit's entry is past its TTL, under a lease too (no sync barrier on that path)", async () => {
    // A bus with leases, as Redis and PostgreSQL give: hits are answered from memory at once,
    // with the clock read once for the entry's TTL and the session's expiry.
    const local = createLocalInvalidationBus();
    const leases: CacheLeaseStore = {
      renew: async () => 0,
      recordRevocation: async () => ({ counter: 1, leases: [] }),
      liveLeases: async () => [],
      release: async () => {},
    };
    const bus: InvalidationBus = {
      get status() {
        return local.status;
      },
      publish: (event) => local.publish(event),
      subscribe: (handler) => local.subscribe(handler),
      sync: () => local.sync(),
      close: () => local.close(),
      leases,
    };
    const t = cachedLatchkey(bus);
    try {
      await t.latchkey.accounts.createUser({ username: "ttl", password: PASSWORD });
      const { token } = await tokenFor(t.latchkey, "ttl");
      // The lease's first renewal resolved during the login: this request fills the cache.
      assert.equal(await whoami(t.latchkey, token), "ttl");
      const before = reads(t.counts);
      for (let i = 0; i < 3; i += 1) assert.equal(await whoami(t.latchkey, token), "ttl");
      assert.equal(reads(t.counts), before, "hits: no store read");
      assert.equal(t.latchkey.sessions.cacheStats()?.hits, 3);
      assert.equal(t.latchkey.sessions.cacheStats()?.syncFailures, 0);
      // The TTL is 60 s by the injected clock; the lease (by the monotonic clock) is still valid.
      t.clock.advance(60_000);
      assert.equal(await whoami(t.latchkey, token), "ttl");
      assert.equal(reads(t.counts) - before, 2, "past its TTL the entry is read again: the session and its user");
      assert.equal(await whoami(t.latchkey, token), "ttl");
      assert.equal(reads(t.counts) - before, 2, "and served from memory again after that");
    } finally {
      t.cleanup();
    }
  });

  it("refuses the revocation with a 503 when the bus cannot take it, and serves nothing stale locally", async () => {
    const local = createLocalInvalidationBus();
    const broken: InvalidationBus = {
      get status() {
        return local.status;
      },
      publish: () => Promise.reject(new Error("bus unreachable")),
      subscribe: (handler) => local.subscribe(handler),
      sync: () => local.sync(),
      close: () => local.close(),
    };
    const t = cachedLatchkey(broken);
    try {
      await t.latchkey.accounts.createUser({ username: "nobus", password: PASSWORD });
      const { token } = await tokenFor(t.latchkey, "nobus");
      assert.equal(await whoami(t.latchkey, token), "nobus");
      const res = await t.latchkey.handle(request("POST", "/api/token/logout/", { authorization: `Bearer ${token}` }));
      assert.equal(res?.status, 503);
      assert.equal((res?.body as { code?: unknown } | undefined)?.code, "store_unavailable");
      assert.equal(await whoami(t.latchkey, token), null, "the store write stood, and this process's cache forgot it");
    } finally {
      t.cleanup();
    }
  });
});

/** Store calls other than the in-memory peeks (`peekSession`, `peekUserById`). */
function storeCalls(counts: Counts): number {
  let calls = 0;
  for (const [name, count] of Object.entries(counts)) if (!name.includes(".peek")) calls += count;
  return calls;
}

describe("tokens not shaped like ours", () => {
  // The attack: a crafted token (a quote, a non-base64url character, in the id or the secret)
  // sent to reach a store's query. Memory is asked first without checking the characters (a
  // token found there is ours: its secret's SHA-256 matched), so this checks that nothing past
  // memory sees such a token, with the session cache and without it (the SQLite read cache).
  for (const sessionCache of [true, false]) {
    it(`reach no store, and a well-formed unknown token does (session cache ${sessionCache ? "on" : "off"})`, async () => {
      const dir = tempDir("latchkey-shape-");
      const database = openSqliteDatabase(`${dir.path}/latchkey.sqlite3`);
      try {
        migrateSqlite(database);
        const { stores, counts } = counted(sqliteStores({ database }));
        const latchkey = createLatchkey({
          stores,
          passwords: { hasher: fastHasher },
          throttle: { enabled: false },
          ...(sessionCache ? { invalidationBus: createLocalInvalidationBus(), sessionCache: { enabled: true } } : {}),
        });
        await latchkey.accounts.createUser({ username: "shape", password: PASSWORD });
        const { token, id } = await tokenFor(latchkey, "shape");
        assert.equal(await whoami(latchkey, token), "shape");
        const secret = token.slice(23);
        const crafted = [
          `${"A".repeat(21)}'.${secret}`,
          `${"A".repeat(21)}+.${secret}`,
          `${"A".repeat(21)}\u00e9.${secret}`,
          `${id}.${secret.slice(0, 42)}'`,
          `${id}.${secret.slice(0, 42)}=`,
        ];
        const before = storeCalls(counts);
        for (const bad of crafted) assert.equal(await whoami(latchkey, bad), null, bad);
        assert.equal(storeCalls(counts), before, "no crafted token reached a store");
        // The same count moves for a token of the right shape that memory does not know.
        assert.equal(await whoami(latchkey, `${"A".repeat(22)}.${secret}`), null);
        assert.ok(storeCalls(counts) > before, "a well-formed unknown token is looked up in the store");
        assert.equal(await whoami(latchkey, token), "shape");
      } finally {
        database.close();
        dir.cleanup();
      }
    });
  }
});

describe("session caches of two latchkey instances over one Redis", { skip: requireProgram("redis-server") }, () => {
  it("serve hits, yet an instance validating right after the other revoked refuses, in every one of 200 rounds", {
    timeout: 120_000,
  }, async () => {
    const redis = await startRedis();
    const dir = tempDir("latchkey-cache-redis-");
    const prefix = `cache-${randomUUID()}`;
    const clients: Redis[] = [];
    const buses: InvalidationBus[] = [];
    const databases: ReturnType<typeof openSqliteDatabase>[] = [];
    try {
      const instance = async (): Promise<Latchkey> => {
        const client = new Redis(redis.url, { ...recommendedRedisOptions, lazyConnect: true });
        client.on("error", () => {});
        await client.connect();
        clients.push(client);
        const database = openSqliteDatabase(`${dir.path}/users.sqlite3`);
        migrateSqlite(database);
        databases.push(database);
        const bus = redisInvalidationBus({ client, keyPrefix: prefix });
        buses.push(bus);
        return createLatchkey({
          stores: { ...redisStores({ client, keyPrefix: prefix }), users: sqliteUserStore(database) },
          invalidationBus: bus,
          sessionCache: { enabled: true },
          passwords: { hasher: fastHasher },
          throttle: { enabled: false },
        });
      };
      const a = await instance();
      const b = await instance();
      await waitUntil("both buses to subscribe", async () => buses.every((bus) => bus.status === "ready"), {
        timeoutMs: 10_000,
      });
      await a.accounts.createUser({ username: "ping", password: PASSWORD });
      for (let round = 0; round < 200; round += 1) {
        const { token, id } = await tokenFor(a, "ping");
        assert.equal(await whoami(b, token), "ping");
        const hits = b.sessions.cacheStats()?.hits ?? 0;
        assert.equal(await whoami(b, token), "ping");
        assert.equal(b.sessions.cacheStats()?.hits, hits + 1, `round ${round}: B answered from its cache`);
        await (round % 2 === 0
          ? a.sessions.revoke(id)
          : a.sessions.revokeUser(String((await a.accounts.findUser("ping"))?.id)));
        assert.equal(await whoami(b, token), null, `round ${round}: B refused right after A's revocation returned`);
      }
    } finally {
      await Promise.all(buses.map((bus) => bus.close()));
      for (const client of clients) client.disconnect();
      for (const database of databases) database.close();
      dir.cleanup();
      await redis.dispose();
    }
  });
});
