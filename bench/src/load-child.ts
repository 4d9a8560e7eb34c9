/**
 * The load generator: a child process of its own (pinned to the other core), never the
 * runner's process nor a server's. It waits for one `run` message, drives autocannon
 * against the server with keep-alive connections for the given time, and answers with
 * what it measured. autocannon's own latency histogram has 1 ms resolution, too coarse for
 * sub-millisecond medians, so latencies are recorded here from its per-response events at
 * microsecond resolution.
 */
import { createHistogram } from "node:perf_hooks";
import autocannon from "autocannon";
import { parseRunnerMessage, type LoadResult, type LoadSpec } from "./messages.js";

function send(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

function run(spec: LoadSpec): Promise<LoadResult> {
  const latencies = createHistogram();
  const statuses: Record<string, number> = {};
  let ok = 0;
  let non2xx = 0;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.origin,
        connections: spec.connections,
        duration: spec.durationSeconds,
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
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const cpu = process.cpuUsage(cpuBefore);
        const ms = (p: number) => (ok === 0 ? 0 : latencies.percentile(p) / 1000);
        resolve({
          ok,
          non2xx,
          errors: result.errors,
          seconds: result.duration,
          rps: ok / result.duration,
          latency: { p50: ms(50), p90: ms(90), p99: ms(99), max: ok === 0 ? 0 : latencies.max / 1000 },
          cpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
          statuses,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        latencies.record(Math.max(1, Math.round(responseTimeMs * 1000)));
      } else {
        non2xx++;
        const key = String(statusCode);
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    });
  });
}

process.on("message", (raw: unknown) => {
  const message = parseRunnerMessage(raw);
  if (message === null || message.type !== "run") return;
  run(message.spec).then(
    async (result) => {
      await send({ type: "result", result });
      process.exit(0);
    },
    async (error: unknown) => {
      await send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
});
// The runner is gone: nothing will ever ask for a result.
process.on("disconnect", () => process.exit(0));
