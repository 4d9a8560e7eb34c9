import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { redisCommand, requireProgram, waitUntil, type ServerControls } from "@latchkey/testkit";
import pg from "pg";
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
/**
 * How long the store stays frozen: longer than every client timeout (Redis 2 s, PostgreSQL 5 s, the bus's sync 5 s).
 */
const FREEZE_MS = 8_000;
const SERVICE_RESUMES_MS = 30_000;

function alive(server: ServeProcess): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

/** Runs `body` with fresh backends and two nodes on the stores `pick` names, cleaning up whatever happens. */
async function withNodes(
  pick: (backends: Backends) => Record<string, string>,
  body: (backends: Backends, nodes: Nodes) => Promise<void>,
): Promise<void> {
  const backends = await startBackends();
  let nodes: Nodes | undefined;
  try {
    nodes = await startNodes(2, pick(backends));
    await body(backends, nodes);
  } finally {
    await nodes?.close();
    await backends.dispose();
  }
}

async function loggedIn(nodes: Nodes, username: string): Promise<string> {
  const [a] = nodes.servers;
  assert.ok(a !== undefined);
  await nodes.createUser(username);
  const browser = createBrowser();
  const login = await browser.login(a, username);
  assert.equal(login.status, 200, JSON.stringify(login.json));
  const cookie = browser.cookie("sessionid") ?? "";
  for (const node of nodes.servers) assert.equal((await whoamiWithCookie(node, cookie)).status, 200);
  return cookie;
}

/**
 * Freezes every process of `store` (SIGSTOP) for {@link FREEZE_MS} under traffic, then thaws
 * it: the nodes stay up and answer only 200 or 503 (503 once the freeze shows, never a 401 or
 * a cleared cookie), log no unhandled rejection, and serve the same cookie again afterwards.
 */
async function freezeUnderTraffic(nodes: Nodes, store: ServerControls, cookie: string): Promise<void> {
  const replies: Reply[] = [];
  const ask = async (node: ServeProcess): Promise<Reply> => {
    const reply = await whoamiWithCookie(node, cookie).catch((error: unknown) => ({
      status: 0,
      json: { error: String(error) },
      setCookies: [],
      at: performance.now(),
    }));
    replies.push(reply);
    return reply;
  };
  store.freeze();
  const frozenAt = performance.now();
  try {
    // The freeze lasts a fixed time on purpose (it is the fault being tried); each node is
    // asked over and over meanwhile, bounded by that time.
    await Promise.all(
      nodes.servers.map(async (node) => {
        for (let i = 0; i < 10_000 && performance.now() - frozenAt < FREEZE_MS; i += 1) await ask(node);
      }),
    );
    for (const node of nodes.servers)
      assert.ok(alive(node), `${node.url} is still running ${FREEZE_MS} ms into the freeze`);
  } finally {
    store.thaw();
  }
  for (const node of nodes.servers) {
    await waitUntil(`${node.url} to serve the cookie again`, async () => (await ask(node)).status === 200, {
      timeoutMs: SERVICE_RESUMES_MS,
      intervalMs: 100,
    });
  }
  const statuses = replies.map((reply) => reply.status);
  assert.deepEqual(
    [...new Set(statuses.filter((status) => status !== 200 && status !== 503))],
    [],
    "every answer was 200 or 503",
  );
  assert.ok(statuses.includes(503), "the freeze showed as 503");
  for (const reply of replies.filter((r) => r.status === 503)) {
    assert.equal(reply.json.code, "store_unavailable");
    assert.ok(!reply.setCookies.some((line) => /sessionid=/.test(line)), "no session cookie set or cleared");
  }
  for (const node of nodes.servers) {
    assert.ok(alive(node), `${node.url} survived the freeze`);
    assert.deepEqual(
      node.logs.filter((line) => line.event === "unhandled_rejection" || line.event === "uncaught_exception"),
      [],
      "nothing went unhandled",
    );
  }
}

const postgresOnly = (backends: Backends): Record<string, string> => ({ LATCHKEY_DATABASE_URL: backends.postgres.url });
const redisAndPostgres = (backends: Backends): Record<string, string> => ({ ...backends.env });

describe("an 8 s store freeze under traffic (two servers)", { skip: NEEDS }, () => {
  for (const cache of [true, false]) {
    const env = { LATCHKEY_SESSION_CACHE_ENABLED: String(cache) };
    const label = cache ? "with the session cache on" : "with the session cache off";

    it(
      `PostgreSQL as the only store, ${label}: both nodes stay up, answer 503 during the freeze and serve the same cookie after`,
      { timeout: TEST_TIMEOUT_MS },
      () =>
        withNodes(
          (b) => ({ ...postgresOnly(b), ...env }),
          async (backends, nodes) => {
            const cookie = await loggedIn(nodes, "pg-freeze");
            await freezeUnderTraffic(nodes, backends.postgres, cookie);
          },
        ),
    );

    it(
      `Redis (sessions) and PostgreSQL (users), Redis frozen, ${label}: both nodes stay up, answer 503 during the freeze and serve the same cookie after`,
      { timeout: TEST_TIMEOUT_MS },
      () =>
        withNodes(
          (b) => ({ ...redisAndPostgres(b), ...env }),
          async (backends, nodes) => {
            const cookie = await loggedIn(nodes, "redis-freeze");
            await freezeUnderTraffic(nodes, backends.redis, cookie);
          },
        ),
    );
  }
});

/** The public id of a session cookie (`<id>.<secret>`): what the stores key the session by. */
function sessionIdOf(cookie: string): string {
  return cookie.slice(0, cookie.indexOf("."));
}

/**
 * After the revocation's write has landed in the store: every node refuses the cookie, on
 * every one of several requests (a cache that kept it would answer 200 for its whole TTL).
 */
async function refusedEverywhere(nodes: Nodes, cookie: string): Promise<void> {
  for (let round = 0; round < 10; round += 1) {
    for (const node of nodes.servers) {
      const reply = await whoamiWithCookie(node, cookie);
      assert.equal(reply.status, 401, `round ${round} on ${node.url}: ${JSON.stringify(reply.json)}`);
    }
  }
}

describe("a logout whose store write is held past its timeout (session cache on, two servers)", { skip: NEEDS }, () => {
  it(
    "Redis: the logout answers 503, and once the held delete lands no node accepts the cookie from its cache",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withNodes(
        (b) => ({ ...redisAndPostgres(b), LATCHKEY_SESSION_CACHE_ENABLED: "true" }),
        async (backends, nodes) => {
          const [a] = nodes.servers;
          assert.ok(a !== undefined);
          await nodes.createUser("held-logout");
          const browser = createBrowser();
          assert.equal((await browser.login(a, "held-logout")).status, 200);
          const cookie = browser.cookie("sessionid") ?? "";
          for (const node of nodes.servers)
            for (let i = 0; i < 3; i += 1)
              assert.equal((await whoamiWithCookie(node, cookie)).status, 200, "cached on every node");
          // Redis holds every write (DEL, PUBLISH) and still answers reads: the logout's write is
          // sent and hangs past the client's 2 s timeout, exactly as when Redis freezes right after
          // the logout was sent, but deterministically.
          await redisCommand(backends.redis.port, ["CLIENT", "PAUSE", "60000", "WRITE"]);
          let logout: Reply;
          try {
            logout = await browser.logout(a);
          } finally {
            await redisCommand(backends.redis.port, ["CLIENT", "UNPAUSE"]);
          }
          assert.equal(logout.status, 503, JSON.stringify(logout.json));
          assert.equal(logout.json.code, "store_unavailable");
          const key = `latchkey:{s:${sessionIdOf(cookie)}}`;
          await waitUntil(
            "the held delete to land in Redis",
            async () => (await redisCommand(backends.redis.port, ["EXISTS", key])) === "0",
            { timeoutMs: 30_000, intervalMs: 50 },
          );
          await refusedEverywhere(nodes, cookie);
        },
      ),
  );

  it(
    "PostgreSQL: the logout answers 503, and once the held delete lands no node accepts the cookie from its cache",
    { timeout: TEST_TIMEOUT_MS },
    () =>
      withNodes(
        (b) => ({ ...postgresOnly(b), LATCHKEY_SESSION_CACHE_ENABLED: "true" }),
        async (backends, nodes) => {
          const [a] = nodes.servers;
          assert.ok(a !== undefined);
          await nodes.createUser("held-logout-pg");
          const browser = createBrowser();
          assert.equal((await browser.login(a, "held-logout-pg")).status, 200);
          const cookie = browser.cookie("sessionid") ?? "";
          for (const node of nodes.servers)
            for (let i = 0; i < 3; i += 1)
              assert.equal((await whoamiWithCookie(node, cookie)).status, 200, "cached on every node");
          // A row lock held by the test: the logout's DELETE waits past the 5 s query timeout,
          // while reads (and the other nodes' cache fills) still see the row.
          const holder = new pg.Client({ connectionString: backends.postgres.url });
          await holder.connect();
          let logout: Reply;
          try {
            await holder.query("BEGIN");
            await holder.query("SELECT id FROM latchkey_sessions WHERE id = $1 FOR UPDATE", [sessionIdOf(cookie)]);
            logout = await browser.logout(a);
            // Another node reads the still-present row meanwhile and may cache it again.
            const [, b] = nodes.servers;
            assert.ok(b !== undefined);
            await whoamiWithCookie(b, cookie);
            await holder.query("ROLLBACK");
            assert.equal(logout.status, 503, JSON.stringify(logout.json));
            assert.equal(logout.json.code, "store_unavailable");
            await waitUntil(
              "the held delete to land in PostgreSQL",
              async () =>
                (await holder.query("SELECT 1 FROM latchkey_sessions WHERE id = $1", [sessionIdOf(cookie)]))
                  .rowCount === 0,
              { timeoutMs: 30_000, intervalMs: 50 },
            );
            await refusedEverywhere(nodes, cookie);
          } finally {
            await holder.end();
          }
        },
      ),
  );
});
