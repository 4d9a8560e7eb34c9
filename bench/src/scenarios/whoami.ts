import { join } from "node:path";
import type { BenchContext } from "../context.js";
import { createPostgresFixture } from "../fixtures/postgres-fixture.js";
import { createRedisFixture } from "../fixtures/redis-fixture.js";
import { createSqliteFixture } from "../fixtures/sqlite-fixture.js";
import { expectOk } from "../http-check.js";
import { cookieRequests } from "../load.js";
import { compareThroughput, type Contender } from "../measure.js";
import type { LoadRequest } from "../messages.js";
import { PEER_NOTES, peerRequests, startPeers } from "../peers.js";
import type { SkippedRow, ThroughputScenario } from "../results.js";
import { startServerChild, type ServerHandle } from "../server-handle.js";
import { readyServerHas } from "../servers/ready-server.js";
import type { ServerSpec } from "../servers/server-spec.js";

const WHOAMI = "/api/whoami/";

/**
 * Scenario 1: authenticated `GET /api/whoami/` on the ready server (SQLite), on
 * `@latchkey/node` over SQLite, Redis and PostgreSQL, against a bare `node:http` server
 * answering the same bytes without auth, each in slices alternating with it. The load cycles
 * through the tokens of every session in the store (1,000 by default).
 */
export async function whoamiScenario(ctx: BenchContext): Promise<ThroughputScenario> {
  const { options } = ctx;
  const servers: ServerHandle[] = [];
  const contenders: Contender[] = [];
  const skipped: SkippedRow[] = [];
  const notes: string[] = [];
  const start = async (
    key: string,
    label: string,
    spec: ServerSpec,
    requests: LoadRequest[],
    body: string | null,
  ): Promise<void> => {
    const server = await startServerChild(ctx, spec, { label });
    servers.push(server);
    const first = requests[0];
    if (first !== undefined) await expectOk(`${server.origin}${first.path}`, first.headers, body ?? undefined);
    contenders.push({ key, label, server, requests, ...(key === "bare" ? {} : { baseline: "bare" }) });
  };
  try {
    ctx.log(`  creating a SQLite store with ${options.smallSessions.toLocaleString("en-US")} sessions`);
    const sqlite = await createSqliteFixture(join(ctx.workDir, "whoami.sqlite3"), {
      sessions: options.smallSessions,
      sample: options.smallSessions,
      log: ctx.log,
    });
    const requests = cookieRequests(WHOAMI, "sessionid", sqlite.tokens);
    const body = sqlite.user.whoamiBody;
    await start("bare", "bare node:http, no auth (ceiling)", { kind: "bare-node", body }, requests, body);
    await start(
      "ready-sqlite",
      "ready server, SQLite",
      { kind: "ready", database: sqlite.database, logLevel: "warn", settings: {} },
      requests,
      body,
    );
    await start(
      "ready-sqlite-log",
      "ready server, SQLite, request log on (logLevel info)",
      { kind: "ready", database: sqlite.database, logLevel: "info", settings: {} },
      requests,
      body,
    );
    await start(
      "node-sqlite",
      "@latchkey/node on node:http, SQLite",
      { kind: "latchkey-node", store: { type: "sqlite", database: sqlite.database } },
      requests,
      body,
    );

    // The ready server takes Redis and PostgreSQL settings in newer versions; older ones are
    // measured through @latchkey/node over the store packages instead.
    const readyRedis = readyServerHas("redisUrl");
    const readyPostgres = readyServerHas("databaseUrl");
    const cache = readyServerHas("sessionCache.enabled");
    const redis = await ctx.services.redis();
    if (redis.ok) {
      const fixture = await createRedisFixture(redis.server.url, join(ctx.workDir, "redis-users.sqlite3"), {
        sessions: options.smallSessions,
        sample: options.smallSessions,
      });
      const redisRequests = cookieRequests(WHOAMI, "sessionid", fixture.tokens);
      if (readyRedis) {
        const settings = { redisUrl: fixture.url };
        // The cache is on by default with Redis in newer versions: this row is the cache-off one.
        const off = cache ? { "sessionCache.enabled": "false" } : {};
        await start(
          "ready-redis",
          "ready server, Redis sessions + SQLite users, sessionCache off",
          { kind: "ready", database: fixture.usersDatabase, logLevel: "warn", settings: { ...settings, ...off } },
          redisRequests,
          fixture.user.whoamiBody,
        );
        if (cache) {
          await start(
            "ready-redis-cache",
            "ready server, Redis + SQLite, sessionCache on",
            {
              kind: "ready",
              database: fixture.usersDatabase,
              logLevel: "warn",
              settings: { ...settings, "sessionCache.enabled": "true" },
            },
            redisRequests,
            fixture.user.whoamiBody,
          );
        }
      } else {
        await start(
          "node-redis",
          "@latchkey/node on node:http, Redis sessions + SQLite users",
          { kind: "latchkey-node", store: { type: "redis", url: fixture.url, usersDatabase: fixture.usersDatabase } },
          redisRequests,
          fixture.user.whoamiBody,
        );
      }
    } else {
      skipped.push({ key: "redis", label: "Redis", reason: redis.reason });
    }
    const postgres = await ctx.services.postgres();
    if (postgres.ok) {
      const fixture = await createPostgresFixture(postgres.server.url, {
        sessions: options.smallSessions,
        sample: options.smallSessions,
      });
      const pgRequests = cookieRequests(WHOAMI, "sessionid", fixture.tokens);
      if (readyPostgres) {
        const settings = { databaseUrl: fixture.url };
        const off = cache ? { "sessionCache.enabled": "false" } : {};
        await start(
          "ready-postgres",
          "ready server, PostgreSQL, sessionCache off",
          { kind: "ready", database: sqlite.database, logLevel: "warn", settings: { ...settings, ...off } },
          pgRequests,
          fixture.user.whoamiBody,
        );
        if (cache) {
          await start(
            "ready-postgres-cache",
            "ready server, PostgreSQL, sessionCache on",
            {
              kind: "ready",
              database: sqlite.database,
              logLevel: "warn",
              settings: { ...settings, "sessionCache.enabled": "true" },
            },
            pgRequests,
            fixture.user.whoamiBody,
          );
        }
      } else {
        await start(
          "node-postgres",
          "@latchkey/node on node:http, PostgreSQL",
          { kind: "latchkey-node", store: { type: "postgres", url: fixture.url } },
          pgRequests,
          fixture.user.whoamiBody,
        );
      }
    } else {
      skipped.push({ key: "postgres", label: "PostgreSQL", reason: postgres.reason });
    }
    if (!readyRedis || !readyPostgres) {
      notes.push(
        "This version of the ready server does not take Redis or PostgreSQL settings, so those rows run latchkey's routes through @latchkey/node on node:http (core defaults) over the store packages, in a small bench server (bench/src/servers/latchkey-node-server.ts).",
      );
    }
    if (options.peers) {
      try {
        const started = await startPeers(ctx, body);
        for (const peer of started.peers) {
          servers.push(peer.server);
          contenders.push({
            key: peer.key,
            label: peer.label,
            server: peer.server,
            requests: peerRequests(peer),
            baseline: "bare",
          });
        }
        skipped.push(...started.skipped);
        notes.push(...PEER_NOTES);
      } catch (error) {
        // A peer that cannot start must not cost latchkey's figures; its row says why.
        const reason = `failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
        ctx.log(`  peers ${reason}`);
        skipped.push({ key: "peers", label: "peers (--peers)", reason });
      }
    }
    notes.push(
      "@latchkey/node on node:http over the same SQLite file is latchkey without the ready server's extras (security headers, request logging, SPA routing): the difference to the ready server row is their cost.",
      "Redis and PostgreSQL run on the server's core (0), as each peer's store did in peers.md.",
      "Redis / PostgreSQL CPU ms per 1k req: CPU time of every process of that store (redis-server's threads; PostgreSQL's postmaster, backends and background workers, those that exited included) during the row's slices, per 1,000 2xx answers, the median over rounds. The stores share core 0 with the server, so this is core time the server did not get; a row that does not use a store shows what that store did in the background during its slices.",
    );
    const rows = await compareThroughput(ctx, contenders);
    return { rows, skipped, notes };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
