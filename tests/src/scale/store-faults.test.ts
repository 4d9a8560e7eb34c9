import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requireProgram, waitUntil } from "@latchkey/testkit";
import type { ServeProcess } from "../server/latchkey-process.js";
import {
  createBrowser,
  startBackends,
  startNodes,
  whoamiWithCookie,
  type Backends,
  type Nodes,
  type Reply,
} from "./scale-fixture.js";

const TEST_TIMEOUT_MS = 180_000;
const NEEDS = requireProgram("redis-server", "initdb", "postgres", "pg_isready", "createdb");
/** Generous bounds for an outage to show and for service to come back (client timeouts are 2–5 s). */
const OUTAGE_SHOWS_MS = 20_000;
const SERVICE_RESUMES_MS = 30_000;

/** Requests with one cookie, round-robin over the nodes, until stopped (bounded, as every test loop). */
function traffic(nodes: readonly ServeProcess[], cookie: string): { stop(): Promise<Reply[]> } {
  const replies: Reply[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running && i < 50_000; i += 1) {
      const node = nodes[i % nodes.length];
      if (node === undefined) break;
      replies.push(
        await whoamiWithCookie(node, cookie).catch((error: unknown) => ({
          status: 0,
          json: { error: String(error) },
          setCookies: [],
          at: performance.now(),
        })),
      );
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return replies;
    },
  };
}

/** A 503 with a clear detail that leaves the session cookie alone. */
function assertUnavailable(reply: Reply, store: string): void {
  assert.equal(reply.status, 503, JSON.stringify(reply.json));
  assert.equal(reply.json.code, "store_unavailable");
  assert.match(String(reply.json.detail), new RegExp(`the ${store} store cannot be reached`));
  assert.ok(
    !reply.setCookies.some((line) => /sessionid=/.test(line)),
    `no session cookie set or cleared: ${reply.setCookies.join(" | ")}`,
  );
}

/** `GET /api/ready/` on one node. */
async function getReady(server: ServeProcess): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/api/ready/`);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The per-store states of a readiness answer. */
function readinessOf(reply: { json: Record<string, unknown> }): Record<string, unknown> {
  const stores = reply.json.stores;
  assert.ok(typeof stores === "object" && stores !== null, "the answer lists each store's state");
  return stores as Record<string, unknown>;
}

/**
 * Waits (bounded) for `server` to log `event`: its log lines come through a pipe, so one
 * may arrive after an HTTP answer the server sent later.
 */
async function waitForLogEvent(server: ServeProcess, event: string): Promise<void> {
  await waitUntil(`${server.url} to log ${event}`, async () => server.logs.some((line) => line.event === event), {
    timeoutMs: OUTAGE_SHOWS_MS,
    intervalMs: 50,
  });
}

function alive(server: ServeProcess): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

/** Runs `body` with fresh backends and two nodes, cleaning up whatever happens. */
async function withCluster(
  env: Readonly<Record<string, string>>,
  body: (backends: Backends, nodes: Nodes) => Promise<void>,
): Promise<void> {
  const backends = await startBackends();
  let nodes: Nodes | undefined;
  try {
    nodes = await startNodes(2, { ...backends.env, ...env });
    await body(backends, nodes);
  } finally {
    await nodes?.close();
    await backends.dispose();
  }
}

/** Logs `username` in through `node` and returns the session cookie. */
async function loggedIn(nodes: Nodes, node: ServeProcess, username: string): Promise<string> {
  await nodes.createUser(username);
  const browser = createBrowser();
  const login = await browser.login(node, username);
  assert.equal(login.status, 200, JSON.stringify(login.json));
  return browser.cookie("sessionid") ?? "";
}

/**
 * Takes a store away under traffic and brings it back: 503s with a clear detail meanwhile
 * (never a 401, a 500 or a cleared cookie), servers alive and saying why in their logs, and
 * the same cookie valid again once the store is back, without restarting anything.
 */
async function outage(options: {
  nodes: Nodes;
  cookie: string;
  username: string;
  store: "session" | "user";
  logEvent: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}): Promise<void> {
  const { nodes, cookie } = options;
  const [a, b] = nodes.servers;
  assert.ok(a !== undefined && b !== undefined);
  const load = traffic([a, b], cookie);
  let replies: Reply[] = [];
  try {
    await options.stop();
    let refused: Reply | undefined;
    await waitUntil(
      "requests to get 503",
      async () => {
        refused = await whoamiWithCookie(a, cookie);
        return refused.status === 503;
      },
      { timeoutMs: OUTAGE_SHOWS_MS, intervalMs: 50 },
    );
    assert.ok(refused !== undefined);
    assertUnavailable(refused, options.store);
    // The readiness route says the same, so a load balancer can take the node out of rotation.
    const notReady = await getReady(a);
    assert.equal(notReady.status, 503, JSON.stringify(notReady.json));
    assert.equal(notReady.json.code, "store_unavailable");
    assert.equal(notReady.json.ready, false);
    assert.equal(readinessOf(notReady)[options.store === "session" ? "sessions" : "users"], "unavailable");
    const browser = createBrowser();
    // A login needs the user store, then the session store: either way, 503 and no cookie.
    assertUnavailable(await browser.login(b, options.username), options.store);
    for (const server of [a, b]) {
      assert.ok(alive(server), "the server process is still running");
      await waitForLogEvent(server, options.logEvent);
    }
    await options.restart();
    // Each node reconnects on its own backoff: wait (bounded) until both serve the cookie again,
    // rather than expecting the second to have reconnected the moment the first has.
    await waitUntil(
      "service to resume with the same cookie on both nodes",
      async () =>
        (await whoamiWithCookie(b, cookie)).status === 200 && (await whoamiWithCookie(a, cookie)).status === 200,
      { timeoutMs: SERVICE_RESUMES_MS, intervalMs: 100 },
    );
    const ready = await getReady(a);
    assert.equal(ready.status, 200, JSON.stringify(ready.json));
    assert.deepEqual(
      { ready: ready.json.ready, stores: ready.json.stores },
      { ready: true, stores: { users: "ok", sessions: "ok", throttle: "ok" } },
    );
  } finally {
    replies = await load.stop();
  }
  const statuses = new Set(replies.map((reply) => reply.status));
  assert.deepEqual(
    [...statuses].filter((status) => status !== 200 && status !== 503),
    [],
    "every answer under traffic was 200 or 503",
  );
  assert.ok(
    statuses.has(503) && statuses.has(200),
    `the traffic saw the outage and the recovery (${replies.length} requests)`,
  );
  for (const reply of replies.filter((r) => r.status === 503)) assertUnavailable(reply, options.store);
}

describe("a store outage under traffic (two servers on Redis + PostgreSQL)", { skip: NEEDS }, () => {
  it(
    "answers 503 while Redis is stopped and resumes with the same cookie once it is back",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withCluster({ LATCHKEY_SESSION_CACHE_ENABLED: "false" }, async (backends, nodes) => {
        const [a] = nodes.servers;
        assert.ok(a !== undefined);
        const cookie = await loggedIn(nodes, a, "redis-outage");
        await outage({
          nodes,
          cookie,
          username: "redis-outage",
          store: "session",
          logEvent: "store_connection_lost",
          stop: () => backends.redis.stop(),
          restart: () => backends.redis.restart(),
        });
        for (const server of nodes.servers) {
          const lost = server.logs.find((line) => line.event === "store_connection_lost");
          assert.match(
            String(lost?.msg),
            new RegExp(`Redis at ${backends.redis.url.replace(/[.:/]/g, "\\$&")}/? is unreachable`),
          );
          // The recovery is logged too.
          await waitForLogEvent(server, "store_connection_restored");
        }
      }),
  );

  it(
    "answers 503 while PostgreSQL is stopped and resumes with the same cookie once it is back",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withCluster({ LATCHKEY_SESSION_CACHE_ENABLED: "false" }, async (backends, nodes) => {
        const [a] = nodes.servers;
        assert.ok(a !== undefined);
        const cookie = await loggedIn(nodes, a, "postgres-outage");
        await outage({
          nodes,
          cookie,
          username: "postgres-outage",
          store: "user",
          logEvent: "store_unavailable",
          stop: () => backends.postgres.stop(),
          restart: () => backends.postgres.restart(),
        });
      }),
  );

  it(
    "with the session cache on, bypasses it while Redis (its bus) is down: 503, never a stale answer, and resumes by itself",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withCluster({ LATCHKEY_SESSION_CACHE_ENABLED: "true" }, async (backends, nodes) => {
        const [a, b] = nodes.servers;
        assert.ok(a !== undefined && b !== undefined);
        const cookie = await loggedIn(nodes, a, "cache-outage");
        for (const node of [a, b])
          for (let i = 0; i < 3; i += 1) assert.equal((await whoamiWithCookie(node, cookie)).status, 200);
        await outage({
          nodes,
          cookie,
          username: "cache-outage",
          store: "session",
          logEvent: "invalidation_bus_down",
          stop: () => backends.redis.stop(),
          restart: () => backends.redis.restart(),
        });
      }),
  );

  it(
    "with the session cache on, keeps cached sessions working while PostgreSQL (the user store) is down: the hot path reads no store",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withCluster({ LATCHKEY_SESSION_CACHE_ENABLED: "true" }, async (backends, nodes) => {
        const [a, b] = nodes.servers;
        assert.ok(a !== undefined && b !== undefined);
        const cookie = await loggedIn(nodes, a, "cache-hot");
        for (const node of [a, b])
          for (let i = 0; i < 3; i += 1) assert.equal((await whoamiWithCookie(node, cookie)).status, 200);
        await backends.postgres.stop();
        try {
          for (const node of [a, b])
            assert.equal((await whoamiWithCookie(node, cookie)).status, 200, "served from the cache");
          const login = await createBrowser().login(b, "cache-hot");
          assertUnavailable(login, "user");
          // Still ready: the node answers every logged-in user's requests from its cache, and
          // taking every node out for a shared user-store outage would refuse those too.
          for (const node of [a, b]) {
            const readiness = await getReady(node);
            assert.equal(readiness.status, 200, JSON.stringify(readiness.json));
            assert.deepEqual(readiness.json, {
              ready: true,
              stores: { users: "unavailable", sessions: "ok", throttle: "ok" },
              sessionCache: "serving",
            });
          }
        } finally {
          await backends.postgres.restart();
        }
      }),
  );
});

describe("a server killed with SIGKILL during logins", { skip: NEEDS }, () => {
  it(
    "loses no session whose login was answered: each one is valid through the other server",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withCluster({}, async (_backends, nodes) => {
        const [a, b] = nodes.servers;
        assert.ok(a !== undefined && b !== undefined);
        await nodes.createUser("sigkill");
        const answered: string[] = [];
        let failures = 0;
        const worker = async () => {
          // Bounded: each loop stops at the first failed login (the kill) or after 200 logins.
          for (let i = 0; i < 200; i += 1) {
            const browser = createBrowser();
            const reply = await browser.login(a, "sigkill").catch(() => null);
            if (reply === null || reply.status !== 200) {
              failures += 1;
              return;
            }
            answered.push(browser.cookie("sessionid") ?? "");
          }
        };
        const workers = Array.from({ length: 6 }, () => worker());
        await waitUntil("some logins to be answered", async () => answered.length >= 30, {
          timeoutMs: 60_000,
          intervalMs: 10,
        });
        await a.stop("SIGKILL");
        await Promise.all(workers);
        assert.ok(failures > 0, "logins were still running when the server died");
        assert.ok(answered.length >= 30);
        const replies = await Promise.all(answered.map((cookie) => whoamiWithCookie(b, cookie)));
        const lost = replies.filter((reply) => reply.status !== 200);
        assert.equal(lost.length, 0, `${lost.length} of ${answered.length} answered sessions were lost`);
      }),
  );
});
