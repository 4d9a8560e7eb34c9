import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchContext } from "../context.js";
import { createSqliteFixture } from "../fixtures/sqlite-fixture.js";
import { loginRequest } from "../http-check.js";
import { compareThroughput } from "../measure.js";
import type { HashResult } from "../messages.js";
import type { LoginScenario } from "../results.js";
import { startServerChild } from "../server-handle.js";
import { loginLoadSettings } from "../servers/login-load-settings.js";

const HASH_SCRIPT = fileURLToPath(new URL("../hash-child.js", import.meta.url));

/** Times argon2id alone in a child pinned where the servers run. */
export async function timeHashing(ctx: BenchContext): Promise<HashResult> {
  const child = ctx.registry.start({
    script: HASH_SCRIPT,
    args: [String(Math.max(2, ctx.options.durationSeconds / 2))],
    label: "argon2id timer",
    core: 0,
    logFile: join(ctx.workDir, "hash.log"),
  });
  try {
    return await child.next((m) => (m.type === "hash" ? m.result : null), 180_000);
  } finally {
    await child.stop();
  }
}

/**
 * Scenario 4: logins per second on the ready server with the default argon2id parameters
 * (each login: CSRF check, throttle lookups, one verification on libuv's pool, a new session
 * row, last_login), and the time of one hash and one verification alone.
 */
export async function loginScenario(ctx: BenchContext): Promise<LoginScenario> {
  ctx.log("  timing argon2id alone");
  const hash = await timeHashing(ctx);
  ctx.log(
    `  argon2id ${hash.params}: verify ${hash.verifyMs.toFixed(1)} ms, hash ${hash.hashMs.toFixed(1)} ms, ${hash.verifiesPerSecond.toFixed(1)} verifies/s with ${hash.concurrency} in flight`,
  );
  const sqlite = await createSqliteFixture(join(ctx.workDir, "login.sqlite3"), {
    sessions: 1,
    sample: 1,
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
    { label: "ready server, SQLite (logins)" },
  );
  try {
    const request = await loginRequest(server.origin);
    const [login] = await compareThroughput(ctx, [
      {
        key: "login",
        label: "POST /api/login/ (argon2id verify)",
        server,
        requests: [request],
        connections: ctx.options.loginConnections,
      },
    ]);
    if (login === undefined) throw new Error("The login run produced no figures.");
    // The target: logins ≥ 0.9 × usable cores ÷ one verification, where the usable
    // cores are those the server may run on (the hash child is pinned exactly like it).
    const usableCores = hash.usableCores ?? 1;
    const ceiling = (usableCores * 1000) / hash.verifyMs;
    return {
      hash,
      login,
      ratioToHashOnly: login.rps / hash.verifiesPerSecond,
      usableCores,
      ratioToCores: login.rps / ceiling,
      connections: ctx.options.loginConnections,
      notes: [
        `${ctx.options.loginConnections} keep-alive connections post logins for the bench user; every login creates a session. The throttle's in-flight bounds per account and per IP are raised to the connections (they refuse one client's simultaneous logins by design); everything else is the default.`,
        "The server and its thread pool share one core: logins per second are bounded by argon2id verifications per second on that core.",
        `Usable cores: ${usableCores} (os.availableParallelism() in a process pinned like the server). The hasher and the login throttle run at most max(1, usable cores − 1) verifications at once by default (throttle.maxConcurrentChecks), keeping a core for the event loop when there are several: on N > 1 cores that caps logins at (N − 1) ÷ N of usable cores ÷ one verification.`,
      ],
    };
  } finally {
    await server.stop();
  }
}
