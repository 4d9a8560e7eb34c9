import type { BenchContext } from "./context.js";
import { runLoad } from "./load.js";
import type { LoadRequest, LoadResult } from "./messages.js";
import { cpuSecondsOf, rssBytesOf } from "./proc.js";
import type { RunFigures, ThroughputRow } from "./results.js";
import type { ServerHandle } from "./server-handle.js";
import { median } from "./stats.js";

/** One server of a throughput comparison and the requests it gets. */
export interface Contender {
  key: string;
  label: string;
  server: ServerHandle;
  requests: LoadRequest[];
  /** Connections of its load. @default the --connections option */
  connections?: number;
  /** Key of the contender its ratio is to (measured in the same rounds), or none. */
  baseline?: string;
}

/** One load run against one server, with the server's CPU and memory around it. */
export interface Measurement {
  load: LoadResult;
  /** CPU-seconds the server process used during the run; null without /proc. */
  serverCpuSeconds: number | null;
  rssBytes: number | null;
}

/** Runs one bounded load against `server` and reads its CPU time before and after, and its RSS after. */
export async function measure(
  ctx: BenchContext,
  server: ServerHandle,
  requests: LoadRequest[],
  options: { seconds?: number; connections?: number; rate?: number } = {},
): Promise<Measurement> {
  const before = cpuSecondsOf(server.pid);
  const load = await runLoad(ctx.registry, ctx.workDir, {
    origin: server.origin,
    connections: options.connections ?? ctx.options.connections,
    durationSeconds: options.seconds ?? ctx.options.durationSeconds,
    requests,
    ...(options.rate === undefined ? {} : { rate: options.rate }),
    label: server.label,
  });
  const after = cpuSecondsOf(server.pid);
  return {
    load,
    serverCpuSeconds: before === null || after === null ? null : after - before,
    rssBytes: rssBytesOf(server.pid),
  };
}

/** A short unmeasured run, so the JIT, the page cache and the pools are warm before the first measured one. */
export async function warmUp(ctx: BenchContext, contender: Contender): Promise<void> {
  if (ctx.options.warmupSeconds <= 0) return;
  const { load } = await measure(ctx, contender.server, contender.requests, {
    seconds: ctx.options.warmupSeconds,
    ...connectionsOf(contender),
  });
  if (load.ok === 0) {
    throw new Error(
      `${contender.label}: no 2xx answer during warm-up (statuses ${JSON.stringify(load.statuses)}, ${load.errors} connection errors).`,
    );
  }
}

function connectionsOf(contender: Contender): { connections?: number } {
  return contender.connections === undefined ? {} : { connections: contender.connections };
}

function reqPerCpu(m: Measurement): number | null {
  return m.serverCpuSeconds === null || m.serverCpuSeconds <= 0 ? null : m.load.ok / m.serverCpuSeconds;
}

function medianOrNull(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : median(present);
}

/**
 * Measures every contender `runs` times, interleaved (round 1: A, B, C; round 2: A, B, C; …)
 * so drift in a noisy machine hits all of them alike, and each ratio compares runs of the
 * same round. Each contender is warmed up once first. Returns one row per contender, in order.
 */
export async function compareThroughput(ctx: BenchContext, contenders: readonly Contender[]): Promise<ThroughputRow[]> {
  for (const contender of contenders) {
    ctx.log(`  warming up ${contender.label}`);
    await warmUp(ctx, contender);
  }
  const rounds: Map<string, Measurement>[] = [];
  for (let round = 1; round <= ctx.options.runs; round++) {
    const results = new Map<string, Measurement>();
    for (const contender of contenders) {
      const m = await measure(ctx, contender.server, contender.requests, connectionsOf(contender));
      results.set(contender.key, m);
      ctx.log(
        `  run ${round}/${ctx.options.runs} ${contender.label}: ${Math.round(m.load.rps).toLocaleString("en-US")} req/s, p50 ${m.load.latency.p50.toFixed(2)} ms, p99 ${m.load.latency.p99.toFixed(2)} ms${m.load.non2xx + m.load.errors > 0 ? `, ${m.load.non2xx} non-2xx, ${m.load.errors} errors` : ""}`,
      );
    }
    rounds.push(results);
  }
  return contenders.map((contender) => {
    const baselineKey = contender.baseline ?? null;
    const runs: RunFigures[] = [];
    const cpuRatios: number[] = [];
    for (const round of rounds) {
      const m = round.get(contender.key);
      if (m === undefined) continue;
      const base = baselineKey === null ? undefined : round.get(baselineKey);
      runs.push({
        rps: m.load.rps,
        p50Ms: m.load.latency.p50,
        p99Ms: m.load.latency.p99,
        ratio: base === undefined || base.load.rps === 0 ? null : m.load.rps / base.load.rps,
        reqPerCpuSecond: reqPerCpu(m),
      });
      const mine = reqPerCpu(m);
      const theirs = base === undefined ? null : reqPerCpu(base);
      if (mine !== null && theirs !== null) cpuRatios.push(mine / theirs);
    }
    const measurements = rounds.map((r) => r.get(contender.key)).filter((m): m is Measurement => m !== undefined);
    const last = measurements[measurements.length - 1];
    return {
      key: contender.key,
      label: contender.label,
      rps: median(runs.map((r) => r.rps)),
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      ratio: medianOrNull(runs.map((r) => r.ratio)),
      baseline: baselineKey,
      reqPerCpuSecond: medianOrNull(runs.map((r) => r.reqPerCpuSecond)),
      cpuRatio: cpuRatios.length === 0 ? null : median(cpuRatios),
      rssBytes: last?.rssBytes ?? null,
      loadCpuShare: median(measurements.map((m) => m.load.cpuShare)),
      non2xx: measurements.reduce((sum, m) => sum + m.load.non2xx, 0),
      errors: measurements.reduce((sum, m) => sum + m.load.errors, 0),
      runs,
    };
  });
}
