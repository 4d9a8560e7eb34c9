import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import {
  createLatchkey,
  type InvalidationBus,
  type Latchkey,
  type LatchkeyRequest,
  type Logger,
  type Stores,
} from "@latchkey/core";
import {
  migratePostgres,
  postgresInvalidationBus,
  postgresStores,
  recommendedPoolOptions,
} from "@latchkey/store-postgres";
import { migrateSqlite, openSqliteDatabase, sqliteUserStore } from "@latchkey/store-sqlite";
import { recommendedRedisOptions, redisInvalidationBus, redisStores } from "@latchkey/store-redis";
import { requireProgram, startPostgres, startRedis, waitUntil } from "@latchkey/testkit";
import { Redis } from "ioredis";
import pg from "pg";
import { startLinkProxy, type LinkProxy } from "../harness/link-proxy.js";
import { fastHasher } from "../harness/test-latchkey.js";
import { tempDir } from "../server/latchkey-process.js";

// The session cache under leases (docs/production.md, "The session cache"), end to end on
// real Redis and PostgreSQL: two latchkey instances, each with its bus (and so its lease)
// behind its own TCP proxy, so a test can cut one process off the bus while the store and
// the other process carry on. Every request of the cut-off process is checked, none sampled.

const PASSWORD = "correct horse battery staple";
/** A short lease, so a revocation stuck behind a cut-off process ends within the test. */
const LEASE_MS = 1_000;
const TEST_TIMEOUT_MS = 120_000;

/** One backend's pieces: stores for a node, a bus for a node through a proxy port, the live lease count. */
interface Backend {
  readonly port: number;
  stores(): Promise<Stores>;
  bus(port: number): Promise<InvalidationBus>;
  liveLeases(): Promise<string[]>;
  dispose(): Promise<void>;
}

async function redisBackend(): Promise<Backend> {
  const server = await startRedis();
  const prefix = `leases-${randomUUID()}`;
  const clients: Redis[] = [];
  const dir = tempDir("latchkey-leases-");
  const databases: ReturnType<typeof openSqliteDatabase>[] = [];
  const client = async (port: number): Promise<Redis> => {
    // A hung link needs no timeout to stop a renewal: the lease is only extended by an answer.
    // The timeouts are generous, so a loaded machine fails nothing spuriously.
    const made = new Redis({
      host: "127.0.0.1",
      port,
      ...recommendedRedisOptions,
      commandTimeout: 2_000,
      connectTimeout: 5_000,
      lazyConnect: true,
    });
    made.on("error", () => {});
    await made.connect();
    clients.push(made);
    return made;
  };
  const direct = await client(server.port);
  return {
    port: server.port,
    async stores() {
      const database = openSqliteDatabase(`${dir.path}/users.sqlite3`);
      if (databases.length === 0) migrateSqlite(database);
      databases.push(database);
      return {
        ...redisStores({ client: await client(server.port), keyPrefix: prefix }),
        users: sqliteUserStore(database),
      };
    },
    bus: async (port) => redisInvalidationBus({ client: await client(port), keyPrefix: prefix }),
    liveLeases: async () =>
      (await redisInvalidationBus({ client: direct, keyPrefix: prefix }).leases?.liveLeases()) ?? [],
    async dispose() {
      for (const made of clients) made.disconnect();
      for (const database of databases) database.close();
      dir.cleanup();
      await server.dispose();
    },
  };
}

async function postgresBackend(): Promise<Backend> {
  const server = await startPostgres();
  const url = new URL(server.url);
  const pools: pg.Pool[] = [];
  const pool = (port: number): pg.Pool => {
    const at = new URL(url);
    at.port = String(port);
    const made = new pg.Pool({
      connectionString: at.toString(),
      ...recommendedPoolOptions,
      connectionTimeoutMillis: 5_000,
      query_timeout: 2_000,
    });
    made.on("error", () => {});
    pools.push(made);
    return made;
  };
  const direct = pool(Number(url.port));
  await migratePostgres(direct);
  const channel = `leases_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
  return {
    port: Number(url.port),
    stores: async () => postgresStores({ pool: pool(Number(url.port)) }),
    bus: async (port) => postgresInvalidationBus({ pool: pool(port), channel }),
    liveLeases: async () => (await postgresInvalidationBus({ pool: direct, channel }).leases?.liveLeases()) ?? [],
    async dispose() {
      await Promise.all(pools.map((made) => made.end().catch(() => {})));
      await server.dispose();
    },
  };
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

async function tokenFor(latchkey: Latchkey, username: string): Promise<{ token: string; id: string }> {
  const res = await latchkey.handle(request("POST", "/api/token/login/", {}, { username, password: PASSWORD }));
  assert.equal(res?.status, 200, JSON.stringify(res?.body));
  const token = (res?.body as { token?: unknown } | undefined)?.token;
  assert.ok(typeof token === "string");
  return { token, id: token.slice(0, 22) };
}

async function whoami(latchkey: Latchkey, token: string): Promise<string | null> {
  const result = await latchkey.authenticateRequest(
    request("GET", "/api/hello/", { authorization: `Bearer ${token}` }),
  );
  return result.ok ? (result.auth?.user.username ?? null) : null;
}

interface Node {
  readonly latchkey: Latchkey;
  readonly proxy: LinkProxy;
  readonly bus: InvalidationBus;
  /** The `event` field of every line the node logged. */
  readonly logged: string[];
}

function recordingLogger(into: string[]): Logger {
  const record = (fields: Record<string, unknown>): void => {
    if (typeof fields.event === "string") into.push(fields.event);
  };
  return { debug: record, info: record, warn: record, error: record };
}

/** Two instances over `backend`, each with its bus behind its own proxy, both subscribed and leased. */
async function twoNodes(
  backend: Backend,
  leasePeriodMs = LEASE_MS,
): Promise<{ a: Node; b: Node; close(): Promise<void> }> {
  const proxies: LinkProxy[] = [];
  const buses: InvalidationBus[] = [];
  const close = async (): Promise<void> => {
    for (const bus of buses) await bus.close();
    for (const proxy of proxies) await proxy.close();
  };
  try {
    const made: Node[] = [];
    for (let i = 0; i < 2; i += 1) {
      const proxy = await startLinkProxy(backend.port);
      proxies.push(proxy);
      const bus = await backend.bus(proxy.port);
      buses.push(bus);
      const logged: string[] = [];
      const latchkey = createLatchkey({
        logger: recordingLogger(logged),
        stores: await backend.stores(),
        invalidationBus: bus,
        sessionCache: { enabled: true, leasePeriodMs },
        passwords: { hasher: fastHasher },
        throttle: { enabled: false },
      });
      made.push({ latchkey, proxy, bus, logged });
    }
    const [a, b] = made;
    if (a === undefined || b === undefined) throw new Error("two nodes");
    await waitUntil(
      "both buses to subscribe and both leases to be taken",
      async () => a.bus.status === "ready" && b.bus.status === "ready" && (await backend.liveLeases()).length >= 2,
      {
        timeoutMs: 15_000,
        intervalMs: 20,
      },
    );
    return { a, b, close };
  } catch (error) {
    // Nothing may stay open (a listening proxy would keep the test file from ending).
    await close();
    throw error;
  }
}

/** Logs `username` in on A and waits (bounded) until B answers the token from its cache. */
async function cachedOnB(a: Node, b: Node, username: string): Promise<{ token: string; id: string }> {
  const session = await tokenFor(a.latchkey, username);
  await waitUntil(
    "B to answer the token from its cache",
    async () => {
      const hits = b.latchkey.sessions.cacheStats()?.hits ?? 0;
      return (
        (await whoami(b.latchkey, session.token)) === username && (b.latchkey.sessions.cacheStats()?.hits ?? 0) > hits
      );
    },
    { timeoutMs: 15_000, intervalMs: 20 },
  );
  return session;
}

/**
 * Runs `revoke` while B validates the token over and over (every request recorded), and
 * returns each request's result with whether it started after the revocation answered.
 */
async function revokeWhileWatching(
  b: Node,
  token: string,
  revoke: () => Promise<void>,
): Promise<{ after: (string | null)[]; before: number }> {
  let answered = false;
  let afterAnswer = 0;
  const seen: { afterAnswer: boolean; user: string | null }[] = [];
  const watcher = (async () => {
    // Bounded: stops 50 requests after the answer (or after 100,000 requests in all).
    while (afterAnswer < 50 && seen.length < 100_000) {
      const startedAfter = answered;
      const user = await whoami(b.latchkey, token);
      seen.push({ afterAnswer: startedAfter, user });
      if (startedAfter) afterAnswer += 1;
      await nextTurn();
    }
  })();
  try {
    await revoke();
  } finally {
    answered = true;
  }
  await watcher;
  return {
    after: seen.filter((s) => s.afterAnswer).map((s) => s.user),
    before: seen.filter((s) => !s.afterAnswer).length,
  };
}

const BACKENDS = [
  { name: "Redis", skip: requireProgram("redis-server"), start: redisBackend },
  { name: "PostgreSQL", skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"), start: postgresBackend },
] as const;

for (const { name, skip, start } of BACKENDS) {
  describe(`session caches under leases on ${name}`, { skip }, () => {
    let backend: Backend | undefined;
    before(async () => {
      backend = await start();
    });
    after(async () => {
      await backend?.dispose();
    });
    const current = (): Backend => {
      if (backend === undefined) throw new Error(`${name} did not start`);
      return backend;
    };

    it("answers a revocation once the other process acknowledged it, and that process refuses the session from then on", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      // A long lease: were acknowledgements not working, twenty rounds would outlast the test.
      const { a, b, close } = await twoNodes(current(), 10_000);
      try {
        await a.latchkey.accounts.createUser({ username: "acked", password: PASSWORD });
        for (let round = 0; round < 20; round += 1) {
          const { token, id } = await cachedOnB(a, b, "acked");
          const seen = await revokeWhileWatching(b, token, () => a.latchkey.sessions.revoke(id));
          assert.deepEqual(
            seen.after,
            Array.from({ length: 50 }, () => null),
            `round ${round}: every request B started after the answer was refused`,
          );
        }
        assert.ok(
          !a.logged.includes("revocation_waited_for_leases"),
          "each revocation was answered on B's acknowledgement, not by waiting for its lease",
        );
      } finally {
        await close();
      }
    });

    it("never serves a revoked session on a process whose subscriber hangs (half-open), checked on every request", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const { a, b, close } = await twoNodes(current());
      try {
        await a.latchkey.accounts.createUser({ username: "halfopen", password: PASSWORD });
        const { token, id } = await cachedOnB(a, b, "halfopen");
        // B's subscriber stops receiving, but B believes it is subscribed; its renewals still work.
        b.proxy.set("hung", "subscribers");
        const seen = await revokeWhileWatching(b, token, () => a.latchkey.sessions.revoke(id));
        assert.ok(seen.before > 0, "B was serving while the revocation ran");
        assert.deepEqual(
          seen.after,
          Array.from({ length: 50 }, () => null),
          "every request B started after the answer was refused",
        );
        b.proxy.set("open", "subscribers");
      } finally {
        await close();
      }
    });

    it("waits for a process cut off from the bus and the store's leases until its lease ran out, then completes; that process refuses the session", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const { a, b, close } = await twoNodes(current());
      try {
        await a.latchkey.accounts.createUser({ username: "cutoff", password: PASSWORD });
        const { token, id } = await cachedOnB(a, b, "cutoff");
        // Everything between B and the bus hangs: no acknowledgement, no renewal.
        b.proxy.set("hung", "all");
        const seen = await revokeWhileWatching(b, token, async () => {
          await a.latchkey.sessions.revoke(id);
          // The answer came only once B's lease had run out in the store: A's is the only one left.
          assert.ok((await current().liveLeases()).length <= 1, "B's lease had lapsed when the revocation answered");
        });
        assert.ok(a.logged.includes("revocation_waited_for_leases"));
        assert.deepEqual(
          seen.after,
          Array.from({ length: 50 }, () => null),
          "every request B started after the answer was refused",
        );
        b.proxy.set("open", "all");
      } finally {
        await close();
      }
    });

    it("reads the store on every process while the bus is down, still completes revocations, and caches again once it is back", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const { a, b, close } = await twoNodes(current());
      try {
        await a.latchkey.accounts.createUser({ username: "busdown", password: PASSWORD });
        const { token, id } = await cachedOnB(a, b, "busdown");
        a.proxy.set("refused", "subscribers");
        b.proxy.set("refused", "subscribers");
        await waitUntil("both buses to notice", async () => a.bus.status !== "ready" && b.bus.status !== "ready", {
          timeoutMs: 15_000,
          intervalMs: 10,
        });
        const hits = b.latchkey.sessions.cacheStats()?.hits ?? 0;
        assert.equal(await whoami(b.latchkey, token), "busdown", "served from the store");
        assert.equal(b.latchkey.sessions.cacheStats()?.hits, hits, "not from the cache");
        const seen = await revokeWhileWatching(b, token, () => a.latchkey.sessions.revoke(id));
        assert.deepEqual(
          seen.after,
          Array.from({ length: 50 }, () => null),
        );
        a.proxy.set("open", "subscribers");
        b.proxy.set("open", "subscribers");
        await cachedOnB(a, b, "busdown");
      } finally {
        await close();
      }
    });
  });
}
