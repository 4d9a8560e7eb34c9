import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  requireProgram,
  startPostgres,
  startRedis,
  waitUntil,
  type PostgresServer,
  type RedisServer,
} from "@latchkey/testkit";
import { Redis } from "ioredis";
import pg from "pg";
import type { ServeProcess } from "../server/latchkey-process.js";
import { createBrowser, startNodes, whoamiWithCookie, type Nodes } from "./scale-fixture.js";

// What a session-cache hit costs the stores, counted on real servers (docs/production.md,
// "What a hit costs"): `latchkey serve` with the cache on, one logged-in browser, and every
// command its whoami requests cause in Redis (MONITOR) and PostgreSQL (pg_stat_statements).
// The lease renewals run on a timer, not per request, so they are left out by name.

const TEST_TIMEOUT_MS = 180_000;
/** Cached whoami requests counted. */
const REQUESTS = 200;
const NEEDS = requireProgram("redis-server", "initdb", "postgres", "pg_isready", "createdb");

/** Counts the commands a Redis server runs, from MONITOR, apart from the lease renewals. */
interface RedisCounter {
  /** Commands seen since the last call (apart from lease renewals and this counter's own), by name. */
  take(): Promise<Record<string, number>>;
  close(): void;
}

async function countRedis(server: RedisServer): Promise<RedisCounter> {
  const client = new Redis({ host: "127.0.0.1", port: server.port, lazyConnect: true });
  await client.connect();
  const monitor = await client.monitor();
  const marker = `cache-hit-cost-${process.pid}`;
  let seen: Record<string, number> = {};
  let markers = 0;
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    const [name = "", ...rest] = args;
    if (name.toLowerCase() === "echo" && rest[0] === marker) {
      markers += 1;
      return;
    }
    // Commands run inside a script are counted as the script's own EVAL/EVALSHA.
    if (source === "lua") return;
    // The lease renewal (a timer, every renewIntervalMs): its script names the lease keys.
    if (rest.some((arg) => arg.includes(":{cache}:lease"))) return;
    const key = name.toLowerCase();
    seen[key] = (seen[key] ?? 0) + 1;
  });
  const probe = new Redis({ host: "127.0.0.1", port: server.port, lazyConnect: true });
  await probe.connect();
  return {
    async take() {
      // Everything the server sent before this was answered before its response, so MONITOR
      // printed it before this marker.
      const wanted = markers + 1;
      await probe.echo(marker);
      await waitUntil("MONITOR to show the marker", async () => markers >= wanted, {
        timeoutMs: 10_000,
        intervalMs: 5,
      });
      const out = seen;
      seen = {};
      return out;
    },
    close() {
      monitor.disconnect();
      client.disconnect();
      probe.disconnect();
    },
  };
}

/** Counts the statements a PostgreSQL server runs, from pg_stat_statements, apart from the lease renewals. */
interface PostgresCounter {
  take(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

async function countPostgres(server: PostgresServer): Promise<PostgresCounter> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const read = async (): Promise<Record<string, number>> => {
    const result = await client.query<{ query: string; calls: string }>(
      `SELECT query, calls FROM pg_stat_statements
        WHERE query NOT LIKE '%pg_stat_statements%'
          AND query NOT LIKE '%latchkey_cache_leases%'`,
    );
    const out: Record<string, number> = {};
    for (const row of result.rows) out[row.query.replace(/\s+/g, " ").slice(0, 100)] = Number(row.calls);
    return out;
  };
  await client.query("SELECT pg_stat_statements_reset()");
  return {
    async take() {
      // Statistics are recorded when a statement ends, before its answer is sent.
      const out = await read();
      await client.query("SELECT pg_stat_statements_reset()");
      return out;
    },
    close: () => client.end(),
  };
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/**
 * Logs in, warms the node's cache, counts what REQUESTS more whoami requests cost, then logs out and tries the old
 * cookie.
 */
async function measure(
  node: ServeProcess,
  username: string,
  counters: readonly { name: string; take(): Promise<Record<string, number>> }[],
): Promise<{ costs: Record<string, Record<string, number>>; afterLogout: number }> {
  const browser = createBrowser();
  assert.equal((await browser.login(node, username)).status, 200);
  const cookie = browser.cookie("sessionid");
  assert.ok(cookie !== undefined, "the login set a session cookie");
  // The first whoami fills the cache; the next ones are hits.
  for (let i = 0; i < 5; i += 1) assert.equal((await browser.whoami(node)).status, 200);
  // The counters do see this server's commands: the login and the fill read and wrote.
  let warming = 0;
  for (const counter of counters) warming += total(await counter.take());
  assert.ok(warming > 0, "the login and the first whoami were counted");
  for (let i = 0; i < REQUESTS; i += 1) {
    const reply = await whoamiWithCookie(node, cookie);
    assert.equal(reply.status, 200);
    assert.equal(reply.json["username"], username);
  }
  const costs: Record<string, Record<string, number>> = {};
  for (const counter of counters) costs[counter.name] = await counter.take();
  assert.equal((await browser.logout(node)).status, 200);
  const afterLogout = (await whoamiWithCookie(node, cookie)).status;
  return { costs, afterLogout };
}

describe("what a session-cache hit costs the stores, counted on real Redis and PostgreSQL (latchkey serve)", {
  skip: NEEDS,
}, () => {
  let redis: RedisServer | undefined;
  let postgres: PostgresServer | undefined;
  let redisCounter: RedisCounter | undefined;
  let postgresCounter: PostgresCounter | undefined;
  const nodes: Nodes[] = [];

  before(
    async () => {
      redis = await startRedis();
      postgres = await startPostgres({
        settings: { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track": "all" },
      });
      redisCounter = await countRedis(redis);
      postgresCounter = await countPostgres(postgres);
    },
    { timeout: TEST_TIMEOUT_MS },
  );

  after(
    async () => {
      for (const node of nodes) await node.close();
      redisCounter?.close();
      await postgresCounter?.close();
      await Promise.all([redis?.dispose(), postgres?.dispose()]);
    },
    { timeout: TEST_TIMEOUT_MS },
  );

  const layouts = [
    { layout: "sessions in Redis, users in PostgreSQL", username: "ada" },
    { layout: "everything in PostgreSQL", username: "grace" },
  ] as const;
  for (const { layout, username } of layouts) {
    it(`${REQUESTS} cached whoami requests send no command to either store apart from lease renewals, and a logged-out cookie is refused on the next request (${layout})`, {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      assert.ok(
        redis !== undefined && postgres !== undefined && redisCounter !== undefined && postgresCounter !== undefined,
      );
      // The production defaults otherwise: the throttle is on.
      const env: Record<string, string> = {
        LATCHKEY_DATABASE_URL: postgres.url,
        LATCHKEY_SESSION_CACHE_ENABLED: "true",
        LATCHKEY_THROTTLE_ENABLED: "true",
      };
      if (layout === "sessions in Redis, users in PostgreSQL") env["LATCHKEY_REDIS_URL"] = redis.url;
      const started = await startNodes(1, env);
      nodes.push(started);
      await started.createUser(username);
      const [node] = started.servers;
      assert.ok(node !== undefined);
      const redisCommands = redisCounter;
      const postgresStatements = postgresCounter;
      const { costs, afterLogout } = await measure(node, username, [
        { name: "redis", take: () => redisCommands.take() },
        { name: "postgres", take: () => postgresStatements.take() },
      ]);
      const perRequest = (name: string): string => (total(costs[name] ?? {}) / REQUESTS).toFixed(2);
      console.log(
        `${layout}: ${REQUESTS} cached whoami → Redis ${JSON.stringify(costs["redis"])} (${perRequest("redis")}/request), PostgreSQL ${JSON.stringify(costs["postgres"])} (${perRequest("postgres")}/request)`,
      );
      assert.deepEqual(costs, { redis: {}, postgres: {} }, "a cache hit makes no store round trip");
      assert.equal(afterLogout, 401, "the logged-out session is refused on the very next request");
      await started.close();
      nodes.splice(nodes.indexOf(started), 1);
    });
  }
});
