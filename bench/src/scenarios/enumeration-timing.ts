import { Agent, request as httpRequest } from "node:http";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as pause } from "node:timers/promises";
import { createLatchkey } from "@latchkey/core";
import { createPasswordHasher } from "@latchkey/password";
import { openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import type { BenchContext } from "../context.js";
import { createSqliteFixture } from "../fixtures/sqlite-fixture.js";
import { csrfPair } from "../http-check.js";
import type { TimingPair, TimingScenario } from "../results.js";
import { startServerChild, type ServerHandle } from "../server-handle.js";
import { median } from "../stats.js";

/** Two medians within this fraction of each other count as equal (the target). */
export const TIMING_TOLERANCE = 0.05;
/** Requests per variant (known, unknown) of each route; `--quick` uses {@link QUICK_SAMPLES}. */
const SAMPLES = 500;
const QUICK_SAMPLES = 20;
/** Longest a route's measurement may take; it stops early with what it has. Seconds. */
const ROUTE_BUDGET_SECONDS = 60;
const PASSWORD = "an unguessable bench passphrase 7";
/**
 * Pause after each measured answer, so every request meets a server that has finished the
 * previous one's after-the-answer work (the queued mail's write). Without it that work lands
 * on whichever request comes next, half of each variant's answers are slowed by it, and the
 * medians sit on the edge between the fast and the slowed ones and swing by 20 % from run to
 * run. What that work does to the next request is measured on its own (the "following
 * request" pair). Milliseconds.
 */
const PACING_MS = 5;

/** One request on the shared keep-alive connection; resolves to its status and time until the whole body arrived. */
function timedPost(
  agent: Agent,
  origin: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(
      `${origin}${path}`,
      { method: "POST", agent, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * A different client IP for every request (X-Forwarded-For; the server trusts one hop), so no per-IP limit is reached.
 */
function ipOf(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/**
 * `count` trues and `count` falses in a shuffled order: drift and the background work one answer leaves behind hit both
 * variants alike.
 */
function shuffledPairs(count: number): boolean[] {
  const order = [...Array.from({ length: count }, () => true), ...Array.from({ length: count }, () => false)];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as boolean, order[i] as boolean];
  }
  return order;
}

/** The pair's figures: both medians, the difference relative to the second, and whether it is within the tolerance. */
function pairOf(
  label: string,
  route: string,
  first: string,
  second: string,
  a: readonly number[],
  b: readonly number[],
  statuses: string,
  note: string | null,
): TimingPair {
  const aMs = median(a);
  const bMs = median(b);
  const differencePercent = ((aMs - bMs) / bMs) * 100;
  return {
    label,
    route,
    first,
    second,
    firstMs: aMs,
    secondMs: bMs,
    samples: Math.min(a.length, b.length),
    differencePercent,
    withinTolerance: Math.abs(differencePercent) <= TIMING_TOLERANCE * 100,
    statuses,
    note,
  };
}

/**
 * Scenario 8: whether the routes that must not reveal who has an account answer as fast for a
 * known address as for an unknown one (SPEC §2a: the mail is queued after the answer, never
 * sent inline): password reset request, verification resend and sign-up with mandatory
 * verification, each measured as the median answer time of alternating (shuffled) requests,
 * one at a time on one keep-alive connection, against the ready server over SQLite. Sign-up
 * with a taken vs a free username is measured too, for information: a taken username is a
 * 400 by design (usernames are public).
 */
export async function enumerationTimingScenario(ctx: BenchContext): Promise<TimingScenario> {
  const samples = ctx.options.quick ? QUICK_SAMPLES : SAMPLES;
  let server: ServerHandle | null = null;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const path = join(ctx.workDir, "timing.sqlite3");
    await createSqliteFixture(path, { sessions: 1, sample: 1, log: ctx.log });
    // Known users: unverified addresses (so resend would mail them), each used once per
    // route, so no address reaches the per-address mail limit (3 per 15 minutes) and every
    // known request takes the path that queues a mail.
    const database = openSqliteDatabase(path);
    try {
      const latchkey = createLatchkey({ stores: sqliteStores({ database }) });
      const hasher = createPasswordHasher();
      const passwordHash = await hasher.hash(PASSWORD);
      // Twice `samples`: the "request after" pair probes with its own users, so none of them
      // meets the per-address limit in the routes measured after it.
      for (let i = 0; i < 2 * samples; i++) {
        const created = await latchkey.accounts.createUser({
          username: `known${i}`,
          email: `known${i}@example.com`,
          passwordHash,
        });
        if (!created.ok) throw new Error(`could not create a known user: ${created.problems.join("; ")}`);
      }
    } finally {
      database.close();
    }
    server = await startServerChild(
      ctx,
      { kind: "ready", database: path, logLevel: "warn", settings: { trustProxy: "1", "signup.enabled": "true" } },
      { label: "ready server, SQLite (enumeration timing)" },
    );
    const origin = server.origin;
    const { cookie, token } = await csrfPair(origin);
    const headers = { cookie, "x-csrftoken": token, "content-type": "application/json" };
    let requestNumber = 1;

    /**
     * Measures `route` with a body per variant; `expect` is the status both must answer with
     * (null: any). With `follow`, each variant's request is sent untimed and an unknown
     * address's request is timed right after it, on the same connection, with no pause.
     */
    async function measure(
      route: string,
      body: (first: boolean, i: number) => unknown,
      expect: number | null,
      follow?: (i: number) => unknown,
    ): Promise<{ a: number[]; b: number[]; statuses: string }> {
      const a: number[] = [];
      const b: number[] = [];
      const counts: Record<string, number> = {};
      const deadline = performance.now() + ROUTE_BUDGET_SECONDS * 1000;
      const order = shuffledPairs(samples);
      for (const [i, first] of order.entries()) {
        if (performance.now() > deadline) break;
        const post = async (payload: unknown): Promise<{ status: number; ms: number }> => {
          const answer = await timedPost(
            agent,
            origin,
            route,
            { ...headers, "x-forwarded-for": ipOf(requestNumber++) },
            JSON.stringify(payload),
          );
          if (expect !== null && answer.status !== expect)
            throw new Error(`POST ${route} answered ${answer.status}, expected ${expect}`);
          return answer;
        };
        const probe = await post(body(first, i));
        const answer = follow === undefined ? probe : await post(follow(i));
        const key = `${first ? "first" : "second"} ${answer.status}`;
        counts[key] = (counts[key] ?? 0) + 1;
        (first ? a : b).push(answer.ms);
        await pause(PACING_MS);
      }
      return {
        a,
        b,
        statuses: Object.entries(counts)
          .map(([k, n]) => `${n}× ${k}`)
          .join(", "),
      };
    }

    // A warm-up of each route (JIT, SQLite page cache), not measured.
    await timedPost(
      agent,
      origin,
      "/api/password/reset/",
      { ...headers, "x-forwarded-for": ipOf(requestNumber++) },
      JSON.stringify({ email: "warm-up@example.com" }),
    );
    const pairs: TimingPair[] = [];
    let known = 0;
    let unknown = 0;
    const address = (first: boolean): string =>
      first ? `known${known++ % samples}@example.com` : `nobody${unknown++}@example.com`;

    const reset = await measure("/api/password/reset/", (first) => ({ email: address(first) }), 202);
    pairs.push(
      pairOf(
        "password reset request",
        "POST /api/password/reset/",
        "known address",
        "unknown address",
        reset.a,
        reset.b,
        reset.statuses,
        null,
      ),
    );
    ctx.log(`  password reset: known ${median(reset.a).toFixed(2)} ms, unknown ${median(reset.b).toFixed(2)} ms`);

    known = 0;
    const resend = await measure("/api/email/verify/resend/", (first) => ({ email: address(first) }), 202);
    pairs.push(
      pairOf(
        "verification resend",
        "POST /api/email/verify/resend/",
        "known address",
        "unknown address",
        resend.a,
        resend.b,
        resend.statuses,
        null,
      ),
    );
    ctx.log(
      `  verification resend: known ${median(resend.a).toFixed(2)} ms, unknown ${median(resend.b).toFixed(2)} ms`,
    );

    known = 0;
    const following = await measure(
      "/api/password/reset/",
      (first) => ({
        email: first ? `known${samples + (known++ % samples)}@example.com` : `nobody${unknown++}@example.com`,
      }),
      202,
      () => ({ email: `nobody${unknown++}@example.com` }),
    );
    pairs.push(
      pairOf(
        "password reset request, the request after",
        "POST /api/password/reset/",
        "after a known address",
        "after an unknown address",
        following.a,
        following.b,
        following.statuses,
        'Informational: the answer time of an unknown address\'s request sent the moment the previous answer arrived, by what that previous request asked for. A known address leaves a mail to write after its answer, and on one process that write can delay the next request on the same connection; an attacker would need many such pairs per address, each spending the per-IP and per-address mail limits (docs/accounts.md, "What each defence stops").',
      ),
    );
    ctx.log(
      `  password reset, the request after: after known ${median(following.a).toFixed(2)} ms, after unknown ${median(following.b).toFixed(2)} ms (informational)`,
    );

    known = 0;
    let fresh = 0;
    const signup = await measure(
      "/api/signup/",
      (first) => ({ username: `newcomer${fresh++}`, email: address(first), password: PASSWORD }),
      202,
    );
    pairs.push(
      pairOf(
        "sign-up (verification mandatory)",
        "POST /api/signup/",
        "taken address",
        "free address",
        signup.a,
        signup.b,
        signup.statuses,
        null,
      ),
    );
    ctx.log(
      `  sign-up: taken address ${median(signup.a).toFixed(2)} ms, free address ${median(signup.b).toFixed(2)} ms`,
    );

    const usernames = await measure(
      "/api/signup/",
      (first, i) => ({
        username: first ? `known${i % samples}` : `other${fresh++}`,
        email: `username-probe${i}@example.com`,
        password: PASSWORD,
      }),
      null,
    );
    pairs.push(
      pairOf(
        "sign-up, username",
        "POST /api/signup/",
        "taken username",
        "free username",
        usernames.a,
        usernames.b,
        usernames.statuses,
        "Not meant to be equal: a taken username is answered 400 username_taken before the password is hashed (usernames are public, SPEC §2a); the address stays hidden.",
      ),
    );
    ctx.log(
      `  sign-up: taken username ${median(usernames.a).toFixed(2)} ms, free username ${median(usernames.b).toFixed(2)} ms (informational)`,
    );

    return {
      tolerancePercent: TIMING_TOLERANCE * 100,
      pairs,
      notes: [
        `Per route, ${samples} requests per variant in a shuffled order, one at a time on one keep-alive connection, ${PACING_MS} ms apart (so each meets a server done with the previous one's after-the-answer work), each from its own client IP (X-Forwarded-For, trustProxy 1) so no per-IP limit is reached; at most ${ROUTE_BUDGET_SECONDS} s per route. Figures are medians of the time from sending a request to the end of its answer.`,
        "Known addresses belong to users with unverified addresses, each used once per route, so every known request takes the path that queues a mail (the per-address limit is 3 per 15 minutes).",
        "Ready server with default settings plus signup.enabled and trustProxy 1, SQLite, no mail transport (messages wait in the outbox, as the answer never waits for SMTP).",
        `Within ${TIMING_TOLERANCE * 100} %: |first − second| ≤ ${TIMING_TOLERANCE * 100} % of the second. Tests never assert timings; this is measured on a quiet machine.`,
      ],
    };
  } finally {
    agent.destroy();
    await server?.stop();
  }
}
