import { join } from "node:path";
import type { BenchContext } from "../context.js";
import { postgresBytesPerSession } from "../fixtures/postgres-fixture.js";
import { redisBytesPerSession } from "../fixtures/redis-fixture.js";
import { createSqliteFixture } from "../fixtures/sqlite-fixture.js";
import { SESSIONS_PER_USER } from "../fixtures/session-tokens.js";
import { expectOk, loginRequest } from "../http-check.js";
import { cookieRequests } from "../load.js";
import { measure, warmUp } from "../measure.js";
import { rssBytesOf } from "../proc.js";
import type { MemoryScenario, StoreBytes } from "../results.js";
import { startServerChild } from "../server-handle.js";
import { loginLoadSettings } from "../servers/login-load-settings.js";

/**
 * How `latchkey serve` starts the server process on Linux (packages/cli/src/memory-tuned-serve.ts):
 * one malloc arena for all threads, an 8 MiB young-generation semi-space and an old
 * generation that grows to 1.2× its live size after a full GC. The figure is meant to be what
 * a deployment gets, so the bench's server child gets the same.
 */
const AS_LATCHKEY_SERVE_RUNS_IT = {
  env: { MALLOC_ARENA_MAX: "1" },
  nodeFlags: ["--max-semi-space-size=8", "--heap-growing-percent=20"],
} as const;

/** Seconds of login load before and after the whoami load. */
const LOGIN_SECONDS = 3;

/**
 * Scenario 6: the ready server's resident memory (VmRSS), started as `latchkey serve` starts
 * it, when idle after start-up and after a login, whoami and login load, and bytes per
 * session in each store, from N sessions created through each
 * store's own `createSession`.
 */
export async function memoryScenario(ctx: BenchContext): Promise<MemoryScenario> {
  const { options } = ctx;
  const rss: MemoryScenario["rss"] = [];
  const sqlite = await createSqliteFixture(join(ctx.workDir, "memory.sqlite3"), {
    sessions: options.smallSessions,
    sample: options.smallSessions,
    log: ctx.log,
  });
  const server = await startServerChild(
    ctx,
    {
      kind: "ready",
      database: sqlite.database,
      logLevel: "warn",
      settings: loginLoadSettings(ctx.options.loginConnections),
    },
    { label: "ready server, SQLite (memory)", ...AS_LATCHKEY_SERVE_RUNS_IT },
  );
  try {
    const requests = cookieRequests("/api/whoami/", "sessionid", sqlite.tokens);
    const first = requests[0];
    if (first !== undefined) await expectOk(`${server.origin}${first.path}`, first.headers, sqlite.user.whoamiBody);
    const idle = rssBytesOf(server.pid);
    // The issue's load: logins (argon2id's 19 MiB blocks on libuv's pool threads) and whoami.
    const logins = [await loginRequest(server.origin)];
    await measure(ctx, server, logins, { seconds: LOGIN_SECONDS, connections: ctx.options.loginConnections });
    await warmUp(ctx, { key: "memory", label: server.label, server, requests });
    await measure(ctx, server, requests);
    const after = await measure(ctx, server, logins, {
      seconds: LOGIN_SECONDS,
      connections: ctx.options.loginConnections,
    });
    rss.push({
      label: "ready server, SQLite, as latchkey serve runs it (logins, whoami, logins)",
      idleBytes: idle,
      afterLoadBytes: after.rssBytes,
      sessions: options.smallSessions,
    });
    ctx.log(
      `  ready server RSS: ${idle === null ? "?" : (idle / 2 ** 20).toFixed(1)} MiB idle, ${after.rssBytes === null ? "?" : (after.rssBytes / 2 ** 20).toFixed(1)} MiB after load`,
    );
  } finally {
    await server.stop();
  }

  const n = options.bytesSessions;
  const stores: StoreBytes[] = [];
  ctx.log(`  bytes per session: inserting ${n.toLocaleString("en-US")} sessions into each store`);
  const bytesDb = await createSqliteFixture(join(ctx.workDir, "bytes.sqlite3"), {
    sessions: n,
    sample: 0,
    log: ctx.log,
  });
  stores.push({
    store: "SQLite",
    bytesPerSession: bytesDb.bytesPerSession,
    sessions: n,
    method: `file growth (page_count × page_size after a WAL checkpoint) / N${bytesDb.dbstat === null ? "" : `; dbstat: table ${Math.round(bytesDb.dbstat.table)} B, indexes ${Math.round(bytesDb.dbstat.indexes)} B`}`,
  });
  const redis = await ctx.services.redis();
  if (redis.ok) {
    stores.push({
      store: "Redis",
      bytesPerSession: await redisBytesPerSession(redis.server.url, n, ctx.log),
      sessions: n,
      method: `INFO memory used_memory growth / N (one packed string per session and its entry in a shared user-index bucket; ${SESSIONS_PER_USER} sessions a user)`,
    });
  } else {
    stores.push({ store: "Redis", bytesPerSession: null, sessions: 0, method: "", reason: redis.reason });
  }
  const postgres = await ctx.services.postgres();
  if (postgres.ok) {
    stores.push({
      store: "PostgreSQL",
      bytesPerSession: await postgresBytesPerSession(postgres.server.url, n, ctx.log),
      sessions: n,
      method: "pg_total_relation_size('latchkey_sessions') growth / N (heap, indexes, TOAST)",
    });
  } else {
    stores.push({ store: "PostgreSQL", bytesPerSession: null, sessions: 0, method: "", reason: postgres.reason });
  }
  return {
    rss,
    stores,
    notes: ["Every session carries a 105-character browser User-Agent and an IPv4 address, as real ones do."],
  };
}
