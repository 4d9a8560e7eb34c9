import { join } from "node:path";
import type { BenchContext } from "../context.js";
import { createSqliteFixture } from "../fixtures/sqlite-fixture.js";
import { expectOk, loginRequest } from "../http-check.js";
import { cookieRequests, runLoad } from "../load.js";
import { measure, warmUp } from "../measure.js";
import type { LoadRequest, LoadResult } from "../messages.js";
import type { StormRow, StormScenario } from "../results.js";
import { startServerChild, type ServerHandle } from "../server-handle.js";
import { loginLoadSettings } from "../servers/login-load-settings.js";
import { median } from "../stats.js";

/** The storm starts this long before the whoami load, so the pool is already full when it is measured. Seconds. */
const LEAD_SECONDS = 1;
/**
 * The fixed whoami rate of the responsiveness variants: about a tenth of what one core
 * serves, so their latency shows how long a request waits for the event loop, not for the
 * requests queued ahead of it. Requests per second.
 */
export const STORM_FIXED_RATE = 1_000;
/**
 * Connections of the fixed-rate load. autocannon paces each connection by sending its
 * quota for the second back to back at the start of the second, so fewer connections
 * means smaller bursts (50 would put 1,000 requests in flight within milliseconds).
 */
export const STORM_FIXED_CONNECTIONS = 10;

interface Variant {
  key: string;
  label: string;
  server: ServerHandle;
  threadpool: number | null;
  storm: boolean;
  /** Fixed whoami rate, or null for as fast as the server answers. */
  rate: number | null;
}

interface Run {
  whoami: LoadResult;
  login: LoadResult | null;
  eventLoop: { p99: number; max: number } | null;
}

function medianOrNull(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : median(present);
}

/**
 * Scenario 5: whoami latency while a login storm keeps argon2id busy. A second load
 * generator posts logins (8 connections, enough to keep libuv's pool full) from one second
 * before the whoami load until after it. The server samples its own event-loop delay. Runs
 * with the default pool (4 threads) and with UV_THREADPOOL_SIZE=1, and whoami alone on the
 * default server, interleaved in the same rounds; each with the whoami load as fast as the
 * server answers (50 connections, as scenario 1) and at a fixed moderate rate.
 */
export async function loginStormScenario(ctx: BenchContext): Promise<StormScenario> {
  const { options } = ctx;
  const servers: ServerHandle[] = [];
  try {
    ctx.log(`  creating a SQLite store with ${options.smallSessions.toLocaleString("en-US")} sessions`);
    const sqlite = await createSqliteFixture(join(ctx.workDir, "storm.sqlite3"), {
      sessions: options.smallSessions,
      sample: options.smallSessions,
      log: ctx.log,
    });
    const whoami = cookieRequests("/api/whoami/", "sessionid", sqlite.tokens);
    const start = async (
      label: string,
      env: Record<string, string>,
    ): Promise<{ server: ServerHandle; login: LoadRequest }> => {
      const server = await startServerChild(
        ctx,
        {
          kind: "ready",
          database: sqlite.database,
          logLevel: "warn",
          settings: loginLoadSettings(options.loginConnections),
        },
        { label, env, monitorEventLoop: true },
      );
      servers.push(server);
      const first = whoami[0];
      // Status only: the first server's warm-up logins have set last_login since the fixture was made.
      if (first !== undefined) await expectOk(`${server.origin}${first.path}`, first.headers);
      const login = await loginRequest(server.origin);
      await warmUp(ctx, { key: label, label, server, requests: whoami });
      await warmUp(ctx, { key: label, label, server, requests: [login], connections: options.loginConnections });
      return { server, login };
    };
    ctx.log("  starting and warming up two ready servers (default pool, UV_THREADPOOL_SIZE=1)");
    const pool4 = await start("ready server, SQLite, default pool (4)", {});
    const pool1 = await start("ready server, SQLite, UV_THREADPOOL_SIZE=1", { UV_THREADPOOL_SIZE: "1" });
    const login = pool4.login;
    const fixed = `at ${STORM_FIXED_RATE.toLocaleString("en-US")} req/s`;
    const variants: Variant[] = [
      {
        key: "alone",
        label: "whoami alone (no storm)",
        server: pool4.server,
        threadpool: null,
        storm: false,
        rate: null,
      },
      {
        key: "storm-4",
        label: "whoami during a login storm, default pool (4 threads)",
        server: pool4.server,
        threadpool: 4,
        storm: true,
        rate: null,
      },
      {
        key: "storm-1",
        label: "whoami during a login storm, UV_THREADPOOL_SIZE=1",
        server: pool1.server,
        threadpool: 1,
        storm: true,
        rate: null,
      },
      {
        key: "alone-fixed",
        label: `whoami ${fixed} alone (no storm)`,
        server: pool4.server,
        threadpool: null,
        storm: false,
        rate: STORM_FIXED_RATE,
      },
      {
        key: "storm-4-fixed",
        label: `whoami ${fixed} during a login storm, default pool (4 threads)`,
        server: pool4.server,
        threadpool: 4,
        storm: true,
        rate: STORM_FIXED_RATE,
      },
      {
        key: "storm-1-fixed",
        label: `whoami ${fixed} during a login storm, UV_THREADPOOL_SIZE=1`,
        server: pool1.server,
        threadpool: 1,
        storm: true,
        rate: STORM_FIXED_RATE,
      },
    ];
    const runs = new Map<string, Run[]>(variants.map((v) => [v.key, []]));
    for (let round = 1; round <= options.runs; round++) {
      for (const variant of variants) {
        let storm: Promise<LoadResult> | null = null;
        if (variant.storm) {
          storm = runLoad(ctx.registry, ctx.workDir, {
            origin: variant.server.origin,
            connections: options.loginConnections,
            durationSeconds: options.durationSeconds + 2 * LEAD_SECONDS,
            requests: [login],
            label: "login storm",
          });
          await new Promise((resolve) => setTimeout(resolve, LEAD_SECONDS * 1000));
        }
        await variant.server.stats(true);
        const measured = await measure(
          ctx,
          variant.server,
          whoami,
          variant.rate === null ? {} : { rate: variant.rate, connections: STORM_FIXED_CONNECTIONS },
        );
        const stats = await variant.server.stats(false);
        const loginResult = storm === null ? null : await storm;
        runs.get(variant.key)?.push({ whoami: measured.load, login: loginResult, eventLoop: stats.eventLoop });
        ctx.log(
          `  run ${round}/${options.runs} ${variant.label}: whoami ${Math.round(measured.load.rps).toLocaleString("en-US")} req/s, p99 ${measured.load.latency.p99.toFixed(2)} ms` +
            `${loginResult === null ? "" : `, logins ${loginResult.rps.toFixed(1)}/s`}${stats.eventLoop === null ? "" : `, event-loop delay p99 ${stats.eventLoop.p99.toFixed(2)} ms`}`,
        );
      }
    }
    const rows: StormRow[] = variants.map((variant) => {
      const list = runs.get(variant.key) ?? [];
      return {
        key: variant.key,
        label: variant.label,
        threadpool: variant.threadpool,
        fixedRate: variant.rate,
        whoamiRps: median(list.map((r) => r.whoami.rps)),
        whoamiP50Ms: median(list.map((r) => r.whoami.latency.p50)),
        whoamiP99Ms: median(list.map((r) => r.whoami.latency.p99)),
        loginRps: medianOrNull(list.map((r) => r.login?.rps ?? null)),
        eventLoopP99Ms: medianOrNull(list.map((r) => r.eventLoop?.p99 ?? null)),
        eventLoopMaxMs: medianOrNull(list.map((r) => r.eventLoop?.max ?? null)),
        non2xx: list.reduce((sum, r) => sum + r.whoami.non2xx + (r.login?.non2xx ?? 0), 0),
        errors: list.reduce((sum, r) => sum + r.whoami.errors + (r.login?.errors ?? 0), 0),
        runs: list.map((r) => ({
          whoamiRps: r.whoami.rps,
          whoamiP99Ms: r.whoami.latency.p99,
          loginRps: r.login?.rps ?? null,
          eventLoopP99Ms: r.eventLoop?.p99 ?? null,
        })),
      };
    });
    return {
      rows,
      loginConnections: options.loginConnections,
      notes: [
        `Login storm: ${options.loginConnections} connections posting logins (argon2id m=19456 KiB, t=2, p=1) for the whole whoami run; whoami load: ${options.connections} connections as in scenario 1, as fast as answers come (capacity) or at a fixed ${STORM_FIXED_RATE.toLocaleString("en-US")} req/s over ${STORM_FIXED_CONNECTIONS} connections (responsiveness: with the core not saturated, latency is mostly the wait for the event loop; autocannon sends each connection's quota at the start of every second, so these are short bursts).`,
        "The server's event loop, its libuv pool and its store share one core (pinned), so hashing threads and the event loop compete for that core's time.",
        "Event-loop delay: perf_hooks.monitorEventLoopDelay (1 ms resolution) inside the server during the whoami run.",
        "The throttle's in-flight bounds per account and per IP are raised to the login connections (by design they refuse one client's simultaneous logins with 429 before hashing, which would make the storm no storm); the hashing concurrency stays the default.",
      ],
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
