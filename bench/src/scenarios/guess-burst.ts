import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { BenchContext } from "../context.js";
import { createSqliteFixture } from "../fixtures/sqlite-fixture.js";
import { loginRequest } from "../http-check.js";
import type { LoadRequest } from "../messages.js";
import type { BurstScenario } from "../results.js";
import { startServerChild, type ServerHandle } from "../server-handle.js";
import { median } from "../stats.js";

/** Wrong-password logins in one burst, all from one client IP. */
export const BURST_GUESSES = 200;
/**
 * The legitimate login is sent this long after the burst, so the burst's requests have
 * reached the server and queued before it. Milliseconds.
 */
const LEAD_MS = 250;

/**
 * One request on a connection of its own (no keep-alive: the burst's clients are separate,
 * and a pooled socket the server closes between rounds cannot fail a later request).
 * Resolves to the status (0 when the connection failed) and the time until the body arrived.
 */
function timedRequest(
  url: string,
  method: "GET" | "POST",
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(
      url,
      { method, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, agent: false },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
        res.on("error", () => resolve({ status: 0, ms: performance.now() - started }));
      },
    );
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

/** One login from `ip` (X-Forwarded-For; the server trusts one proxy hop). */
function timedLogin(
  origin: string,
  request: LoadRequest,
  ip: string,
  body?: string,
): Promise<{ status: number; ms: number }> {
  return timedRequest(
    `${origin}${request.path}`,
    "POST",
    { ...request.headers, "x-forwarded-for": ip },
    body ?? request.body ?? "",
  );
}

/** Time of one GET until its body has arrived. Milliseconds. */
async function timedGet(url: string): Promise<number> {
  return (await timedRequest(url, "GET", {}, "")).ms;
}

/**
 * Scenario 7: a legitimate login's latency while one IP fires a burst of 200 wrong-password
 * logins at once (different usernames, so only the per-IP rules apply), against the ready
 * server with its default settings over SQLite. Each round uses a fresh burst IP and a fresh
 * legitimate IP, so no round starts with the previous one's counts.
 */
export async function guessBurstScenario(ctx: BenchContext): Promise<BurstScenario> {
  const { options } = ctx;
  let server: ServerHandle | null = null;
  try {
    const sqlite = await createSqliteFixture(join(ctx.workDir, "burst.sqlite3"), {
      sessions: 1,
      sample: 1,
      log: ctx.log,
    });
    server = await startServerChild(
      ctx,
      { kind: "ready", database: sqlite.database, logLevel: "warn", settings: { trustProxy: "1" } },
      { label: "ready server, SQLite (guess burst)" },
    );
    const origin = server.origin;
    const request = await loginRequest(origin);
    const alone: number[] = [];
    const during: number[] = [];
    const burstSeconds: number[] = [];
    const cheapDuring: number[] = [];
    const statuses: Record<string, number> = {};
    for (let round = 1; round <= options.runs; round++) {
      const quiet = await timedLogin(origin, request, `198.51.100.${round}`);
      if (quiet.status !== 200) throw new Error(`the legitimate login alone answered ${quiet.status}`);
      alone.push(quiet.ms);
      const burstIp = `203.0.113.${round}`;
      const began = performance.now();
      const burst = Promise.all(
        Array.from({ length: BURST_GUESSES }, (_, i) =>
          timedLogin(
            origin,
            request,
            burstIp,
            JSON.stringify({ username: `guess-${round}-${i}`, password: "not the password" }),
          ),
        ),
      ).then((answers) => ({ answers, seconds: (performance.now() - began) / 1000 }));
      await new Promise((resolve) => setTimeout(resolve, LEAD_MS));
      // A GET /api/csrf/ sent with it shows what any request waits for (the burst's
      // connections and requests ahead of it); the rest of the login's time is the hashing queue.
      const [legit, cheap] = await Promise.all([
        timedLogin(origin, request, `198.51.100.${100 + round}`),
        timedGet(`${origin}/api/csrf/`),
      ]);
      cheapDuring.push(cheap);
      if (legit.status !== 200) throw new Error(`the legitimate login during the burst answered ${legit.status}`);
      during.push(legit.ms);
      const { answers, seconds } = await burst;
      burstSeconds.push(seconds);
      for (const answer of answers) statuses[String(answer.status)] = (statuses[String(answer.status)] ?? 0) + 1;
      ctx.log(
        `  run ${round}/${options.runs}: legitimate login ${legit.ms.toFixed(0)} ms during the burst (${quiet.ms.toFixed(0)} ms alone; GET /api/csrf/ beside it ${cheap.toFixed(0)} ms); burst answered in ${seconds.toFixed(1)} s: ` +
          Object.entries(statuses)
            .map(([status, count]) => `${count}× ${status}`)
            .join(", "),
      );
    }
    return {
      guesses: BURST_GUESSES,
      aloneMs: median(alone),
      duringBurstMs: median(during),
      runsMs: during,
      csrfDuringBurstMs: median(cheapDuring),
      burstSeconds: median(burstSeconds),
      burstStatuses: statuses,
      notes: [
        `Each round: one legitimate login alone, then ${BURST_GUESSES} wrong-password logins sent at once from one IP (X-Forwarded-For, trustProxy 1; a different username each), and ${LEAD_MS} ms later a legitimate login from another IP, timed from send to answer.`,
        "Ready server with default settings (argon2id m=19456 KiB, t=2, p=1; throttle defaults), SQLite, pinned to one core as in the other scenarios.",
        "Burst answers are summed over the rounds: 400 is a hashed wrong password, 429 a refusal without hashing (0: the connection failed). Every request has a connection of its own.",
      ],
    };
  } finally {
    await server?.stop();
  }
}
