import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { logTail } from "../children.js";
import type { BenchContext } from "../context.js";
import { createPostgresFixture } from "../fixtures/postgres-fixture.js";
import { createRedisFixture } from "../fixtures/redis-fixture.js";
import { createSqliteFixture } from "../fixtures/sqlite-fixture.js";
import { expectOk } from "../http-check.js";
import type { RevocationRow, RevocationScenario, SkippedRow } from "../results.js";
import type { RevocationLoadResult, RevocationSpec, RevocationVerdicts } from "../revocation-messages.js";
import { startServerChild, type ServerHandle } from "../server-handle.js";
import { readyServerHas } from "../servers/ready-server.js";

const REVOCATION_SCRIPT = fileURLToPath(new URL("../revocation-child.js", import.meta.url));
/** Server processes sharing one store. */
export const REVOCATION_PROCESSES = 3;
/** Time the revocation child may take beyond its run (CSRF set-up, last answers). Milliseconds. */
const SLACK_MS = 60_000;

/** Creates (or re-creates) database `name` on the server of `url`; returns its URL. */
async function freshDatabase(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return fresh.toString();
}

/** Runs the load and the logouts against `servers` in a child pinned to the load core. */
async function runRevocation(ctx: BenchContext, spec: RevocationSpec, label: string): Promise<RevocationLoadResult> {
  const logFile = join(ctx.workDir, "revocation.log");
  const child = ctx.registry.start({
    script: REVOCATION_SCRIPT,
    args: [JSON.stringify(spec)],
    label: `revocation load (${label})`,
    core: 1,
    logFile,
  });
  try {
    return await child.next((m) => (m.type === "revocation" ? m.result : null), spec.durationSeconds * 1000 + SLACK_MS);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logTail(logFile)}`);
  } finally {
    await child.stop();
  }
}

/** The verdict counts alone, copied field by field (the load result carries more). */
function verdictsOf(r: RevocationVerdicts): RevocationVerdicts {
  return {
    acceptedAfterLogout: r.acceptedAfterLogout,
    sessionsAcceptedAfterLogout: r.sessionsAcceptedAfterLogout,
    refusedAfterLogout: r.refusedAfterLogout,
    sessionsRefusedEverywhere: r.sessionsRefusedEverywhere,
    inFlightAccepted: r.inFlightAccepted,
    inFlightRefused: r.inFlightRefused,
    sessionsAcceptedBefore: r.sessionsAcceptedBefore,
    refusedBeforeLogout: r.refusedBeforeLogout,
    logouts: r.logouts,
    logoutStatuses: r.logoutStatuses,
  };
}

function rowOf(key: string, label: string, r: RevocationLoadResult): RevocationRow {
  return {
    key,
    label,
    processes: r.processes,
    clientsPerProcess: r.clientsPerProcess,
    sessions: r.sessions,
    seconds: r.seconds,
    whoamiRps: r.whoami.answered / r.seconds,
    whoamiAnswered: r.whoami.answered,
    whoamiAccepted: r.whoami.accepted,
    whoamiRefused: r.whoami.refused,
    ...verdictsOf(r),
    logoutP50Ms: r.logoutMs.p50,
    logoutP99Ms: r.logoutMs.p99,
    logoutMaxMs: r.logoutMs.max,
    errors: r.whoami.errors,
    otherStatuses: r.whoami.otherStatuses,
    loadCpuShare: r.cpuShare,
  };
}

/**
 * Scenario 9: revocation under load. Three ready-server processes share one store (Redis
 * sessions + one SQLite users file; then PostgreSQL) with the session cache on (leases and
 * acknowledged invalidation). Keep-alive clients send whoami to every process, cycling through
 * the sessions, while the sessions are logged out one at a time through a rotating process.
 * Every whoami answer is checked: one sent after its session's logout 200 had arrived must be
 * refused on every process; any 200 is counted as accepted after revocation (target 0).
 */
export async function revocationScenario(ctx: BenchContext): Promise<RevocationScenario> {
  const { options } = ctx;
  const rows: RevocationRow[] = [];
  const skipped: SkippedRow[] = [];
  const sessions = options.revocationSessions;
  const cache = readyServerHas("sessionCache.enabled");
  if (!cache || !readyServerHas("redisUrl") || !readyServerHas("databaseUrl")) {
    skipped.push({
      key: "revocation",
      label: "revocation under load",
      reason: "skipped: this version of the ready server has no session cache or shared stores",
    });
    return { rows, skipped, notes: [] };
  }

  const measureRow = async (
    key: string,
    label: string,
    database: string,
    settings: Record<string, string>,
    tokens: string[],
    body: string,
  ): Promise<void> => {
    const servers: ServerHandle[] = [];
    try {
      // One after another: each migrates on start, and the store must not see them race.
      for (let i = 0; i < REVOCATION_PROCESSES; i++) {
        servers.push(
          await startServerChild(
            ctx,
            { kind: "ready", database, logLevel: "warn", settings: { ...settings, "sessionCache.enabled": "true" } },
            { label: `${label}, process ${i + 1}` },
          ),
        );
      }
      const first = tokens[0] ?? "";
      for (const server of servers)
        await expectOk(`${server.origin}/api/whoami/`, { cookie: `sessionid=${first}` }, body);
      ctx.log(
        `  ${label}: ${REVOCATION_PROCESSES} processes × ${options.revocationClients} whoami clients, ${sessions} logouts over ${options.revocationSeconds} s`,
      );
      const result = await runRevocation(
        ctx,
        {
          origins: servers.map((s) => s.origin),
          tokens,
          clientsPerProcess: options.revocationClients,
          durationSeconds: options.revocationSeconds,
        },
        label,
      );
      const row = rowOf(key, label, result);
      ctx.log(
        `  ${label}: ${Math.round(row.whoamiRps).toLocaleString("en-US")} whoami/s, ${row.whoamiAnswered.toLocaleString("en-US")} answers checked; ` +
          `accepted after their logout's 200: ${row.acceptedAfterLogout}; refused after: ${row.refusedAfterLogout.toLocaleString("en-US")}; ` +
          `logout p50 ${row.logoutP50Ms?.toFixed(2) ?? "—"} ms, p99 ${row.logoutP99Ms?.toFixed(2) ?? "—"} ms (${row.logouts}/${sessions} answered 200)`,
      );
      if (row.whoamiAccepted === 0) throw new Error(`${label}: no whoami was answered 200; the set-up is broken.`);
      rows.push(row);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  };

  const redis = await ctx.services.redis();
  if (redis.ok) {
    ctx.log(`  creating ${sessions} sessions in Redis (users in a SQLite file)`);
    const fixture = await createRedisFixture(redis.server.url, join(ctx.workDir, "revocation-users.sqlite3"), {
      sessions,
      sample: sessions,
    });
    await measureRow(
      "redis",
      "ready server × 3, Redis sessions + SQLite users, sessionCache on",
      fixture.usersDatabase,
      { redisUrl: fixture.url },
      fixture.tokens,
      fixture.user.whoamiBody,
    );
  } else {
    skipped.push({ key: "redis", label: "Redis", reason: redis.reason });
  }
  const postgres = await ctx.services.postgres();
  if (postgres.ok) {
    ctx.log(`  creating ${sessions} sessions in PostgreSQL`);
    // A database of its own: the whoami scenario has its bench user in the service's first one.
    const url = await freshDatabase(postgres.server.url, "latchkey_revocation");
    const fixture = await createPostgresFixture(url, { sessions, sample: sessions });
    const sqlite = await createSqliteFixture(join(ctx.workDir, "revocation-unused.sqlite3"), {
      sessions: 1,
      sample: 1,
      log: () => undefined,
    });
    await measureRow(
      "postgres",
      "ready server × 3, PostgreSQL, sessionCache on",
      sqlite.database,
      { databaseUrl: fixture.url },
      fixture.tokens,
      fixture.user.whoamiBody,
    );
  } else {
    skipped.push({ key: "postgres", label: "PostgreSQL", reason: postgres.reason });
  }
  return {
    rows,
    skipped,
    notes: [
      `${REVOCATION_PROCESSES} ready-server processes per row (pinned to core 0 with the store), ${options.revocationClients} keep-alive whoami clients per process (one request at a time each, node:http) in one load process on core 1, cycling through ${sessions} sessions; the sessions are logged out one at a time (\`POST /api/logout/\` with the session cookie and a CSRF pair), through processes 1, 2, 3, 1, … spread over the run.`,
      "Every whoami answer is checked, none sampled: one SENT after its session's logout 200 had arrived at the client must be 401/403 on every process; a 200 counts as accepted after revocation (target 0). Answers to whoami sent while the logout was in flight may be either and are counted apart.",
      "Logout latency is from sending the logout to its 200 arriving: it includes waiting for every process with a live lease to acknowledge the invalidation.",
      "whoami/s counts every answer (200 before the logout, 401 after), over the whole run; past its length the load goes on until every logged-out session has been refused by every process (at most 20 % of the length, at least 5 s, more).",
    ],
  };
}
