/**
 * The load generator: a child process of its own (pinned to the other core), never the
 * runner's process nor a server's. For each `run` message it drives autocannon against the
 * server with keep-alive connections for the given time and answers with what it measured;
 * it then waits for the next one, so a comparison's short slices reuse one warm process per
 * server (a fresh process spends its first few hundred milliseconds compiling autocannon)
 * and only open new connections. Answers in the first `settleSeconds` of a run (connection
 * set-up, the first round trips) are left out of its steady rate and latencies. autocannon's own latency histogram has 1 ms resolution, too coarse for
 * sub-millisecond medians, so latencies are recorded here from its per-response events at
 * microsecond resolution.
 */
import { Agent } from "node:http";
import { createHistogram } from "node:perf_hooks";
import autocannon from "autocannon";
import { requestStatus } from "./http-check.js";
import { parseRunnerMessage, type LoadResult, type LoadSpec } from "./messages.js";

function reply(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

/** Parallel requests of the prime. */
const PRIME_CONNECTIONS = 8;

/**
 * Sends each distinct request of `spec` once, `PRIME_CONNECTIONS` at a time over keep-alive,
 * and resolves to the number of 2xx answers. This is the catch-up a server owes for sitting
 * idle between its slices: session-cache entries past their TTL, sliding-expiry write-backs
 * fallen due, pooled store connections closed; a server under steady load spreads the same
 * work over minutes. With 50 connections each walking the token list from its start, the
 * first to reach a token would otherwise pay its refill inside the count, about one request
 * in fifty over a whole slice.
 */
async function primeEach(spec: LoadSpec): Promise<number> {
  const seen = new Set<string>();
  const distinct = spec.requests.filter((r) => {
    const key = JSON.stringify([r.method, r.path, r.headers, r.body ?? null]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const agent = new Agent({ keepAlive: true, maxSockets: PRIME_CONNECTIONS });
  let next = 0;
  let ok = 0;
  const worker = async (): Promise<void> => {
    for (let r = distinct[next++]; r !== undefined; r = distinct[next++]) {
      const status = await requestStatus(agent, new URL(r.path, spec.origin), r.method, r.headers, r.body);
      if (status >= 200 && status < 300) ok++;
    }
  };
  try {
    await Promise.all(Array.from({ length: PRIME_CONNECTIONS }, worker));
  } finally {
    agent.destroy();
  }
  return ok;
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const primed = spec.prime ? await primeEach(spec) : 0;
  return timedRun(spec, primed);
}

function timedRun(spec: LoadSpec, primed: number): Promise<LoadResult> {
  const latencies = createHistogram();
  const statuses: Record<string, number> = {};
  let ok = primed;
  let steadyOk = 0;
  let non2xx = 0;
  // A flag a timer sets, rather than a clock read per answer: the load generator is the limit
  // for the fastest servers, and every answer's handler runs on its one thread.
  let settled = spec.settleSeconds === 0;
  let settledAt = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const settleTimer = settled
    ? null
    : setTimeout(() => {
        settled = true;
        settledAt = process.hrtime.bigint();
      }, spec.settleSeconds * 1000);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.origin,
        connections: spec.connections,
        duration: spec.durationSeconds,
        // autocannon ends a run at its first sample tick after the duration: with its default
        // tick of 1 s a 1 s run could last 2 s, and a 3 s slice 4. Its samples are not used here.
        sampleInt: 100,
        // Argon2id logins take tens of ms each behind a queue; a generous timeout keeps them from counting as errors.
        timeout: 30,
        // A fixed rate measures responsiveness rather than capacity; its latencies are recorded
        // as they came (no coordinated-omission correction), like the closed-loop ones.
        ...(spec.rate === null ? {} : { overallRate: spec.rate }),
        requests: spec.requests.map((r) => ({
          method: r.method,
          path: r.path,
          headers: r.headers,
          ...(r.body === undefined ? {} : { body: r.body }),
        })),
      },
      (error, result) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (settleTimer !== null) clearTimeout(settleTimer);
        const ended = process.hrtime.bigint();
        const seconds = Number(ended - started) / 1e9;
        const cpu = process.cpuUsage(cpuBefore);
        const ms = (p: number) => (steadyOk === 0 ? 0 : latencies.percentile(p) / 1000);
        // With no settling time this is autocannon's own figure, as before slices existed.
        const steadySeconds =
          spec.settleSeconds === 0 ? result.duration : settled ? Number(ended - settledAt) / 1e9 : 0;
        resolve({
          ok,
          primed,
          non2xx,
          errors: result.errors,
          seconds: result.duration,
          steady: { ok: steadyOk, seconds: steadySeconds },
          rps: steadySeconds > 0 ? steadyOk / steadySeconds : 0,
          latency: { p50: ms(50), p90: ms(90), p99: ms(99), max: steadyOk === 0 ? 0 : latencies.max / 1000 },
          cpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
          statuses,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        if (settled) {
          steadyOk++;
          latencies.record(Math.max(1, Math.round(responseTimeMs * 1000)));
        }
      } else {
        non2xx++;
        const key = String(statusCode);
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    });
  });
}

// The runner sends one run at a time and waits for its answer; it stops the child when done.
process.on("message", (raw: unknown) => {
  const message = parseRunnerMessage(raw);
  if (message === null || message.type !== "run") return;
  run(message.spec).then(
    (result) => reply({ type: "result", result }),
    async (error: unknown) => {
      await reply({ type: "failed", message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
});
// The runner is gone: nothing will ever ask for a result.
process.on("disconnect", () => process.exit(0));
