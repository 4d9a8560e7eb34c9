import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requireProgram, waitUntil, type ServerControls } from "@latchkey/testkit";
import type { ServeProcess } from "../server/latchkey-process.js";
import { createBrowser, startBackends, startNodes, whoamiWithCookie, type Backends, type Nodes, type Reply } from "./scale-fixture.js";

const TEST_TIMEOUT_MS = 180_000;
const NEEDS = requireProgram("redis-server", "initdb", "postgres", "pg_isready", "createdb");
/** How long the store stays frozen: longer than every client timeout (Redis 2 s, PostgreSQL 5 s, the bus's sync 5 s). */
const FREEZE_MS = 8_000;
const SERVICE_RESUMES_MS = 30_000;

function alive(server: ServeProcess): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

/** Runs `body` with fresh backends and two nodes on the stores `pick` names, cleaning up whatever happens. */
async function withNodes(pick: (backends: Backends) => Record<string, string>, body: (backends: Backends, nodes: Nodes) => Promise<void>): Promise<void> {
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
    const reply = await whoamiWithCookie(node, cookie).catch((error: unknown) => ({ status: 0, json: { error: String(error) }, setCookies: [], at: performance.now() }));
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
    for (const node of nodes.servers) assert.ok(alive(node), `${node.url} is still running ${FREEZE_MS} ms into the freeze`);
  } finally {
    store.thaw();
  }
  for (const node of nodes.servers) {
    await waitUntil(`${node.url} to serve the cookie again`, async () => (await ask(node)).status === 200, { timeoutMs: SERVICE_RESUMES_MS, intervalMs: 100 });
  }
  const statuses = replies.map((reply) => reply.status);
  assert.deepEqual([...new Set(statuses.filter((status) => status !== 200 && status !== 503))], [], "every answer was 200 or 503");
  assert.ok(statuses.includes(503), "the freeze showed as 503");
  for (const reply of replies.filter((r) => r.status === 503)) {
    assert.equal(reply.json.code, "store_unavailable");
    assert.ok(!reply.setCookies.some((line) => /sessionid=/.test(line)), "no session cookie set or cleared");
  }
  for (const node of nodes.servers) {
    assert.ok(alive(node), `${node.url} survived the freeze`);
    assert.deepEqual(node.logs.filter((line) => line.event === "unhandled_rejection" || line.event === "uncaught_exception"), [], "nothing went unhandled");
  }
}

const postgresOnly = (backends: Backends): Record<string, string> => ({ LATCHKEY_DATABASE_URL: backends.postgres.url });
const redisAndPostgres = (backends: Backends): Record<string, string> => ({ ...backends.env });

describe("an 8 s store freeze under traffic (two servers)", { skip: NEEDS }, () => {
  for (const cache of [true, false]) {
    const env = { LATCHKEY_SESSION_CACHE_ENABLED: String(cache) };
    const label = cache ? "with the session cache on" : "with the session cache off";

    it(`PostgreSQL as the only store, ${label}: both nodes stay up, answer 503 during the freeze and serve the same cookie after`, { timeout: TEST_TIMEOUT_MS }, () =>
      withNodes((b) => ({ ...postgresOnly(b), ...env }), async (backends, nodes) => {
        const cookie = await loggedIn(nodes, "pg-freeze");
        await freezeUnderTraffic(nodes, backends.postgres, cookie);
      }));

    it(`Redis (sessions) and PostgreSQL (users), Redis frozen, ${label}: both nodes stay up, answer 503 during the freeze and serve the same cookie after`, { timeout: TEST_TIMEOUT_MS }, () =>
      withNodes((b) => ({ ...redisAndPostgres(b), ...env }), async (backends, nodes) => {
        const cookie = await loggedIn(nodes, "redis-freeze");
        await freezeUnderTraffic(nodes, backends.redis, cookie);
      }));
  }
});
