import type { BenchContext } from "./context.js";
import { runLoad, startLoadGenerator, type LoadGenerator } from "./load.js";
import type { LoadRequest, LoadResult } from "./messages.js";
import { pairedRatio, roundSchedule } from "./pairing.js";
import { cpuSecondsOf, rssBytesOf } from "./proc.js";
import type { RunFigures, StoreCpu, StoreName, ThroughputRow } from "./results.js";
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
  /** Key of the contender its ratio is to (measured in alternating slices with it), or none. */
  baseline?: string;
}

/** One load run against one server, with the server's CPU and memory around it. */
export interface Measurement {
  load: LoadResult;
  /** CPU-seconds the server process used during the run; null without /proc. */
  serverCpuSeconds: number | null;
  /** CPU-seconds each store the bench had started (Redis, PostgreSQL) used during the run, all its processes. */
  storeCpuSeconds: StoreCpu;
  rssBytes: number | null;
}

/** How one load run is done; the defaults are the bench's options. */
export interface MeasureOptions {
  /** @default the --duration option */
  seconds?: number;
  /** @default the --connections option */
  connections?: number;
  /** Requests per second. @default as fast as the server answers */
  rate?: number;
  /** Seconds at the start left out of the rate and the latencies. @default 0 */
  settleSeconds?: number;
  /** Send each distinct request once before the timed run. @default false */
  prime?: boolean;
  /** A load generator kept across runs. @default a fresh one for this run */
  generator?: LoadGenerator;
}

/** Runs one bounded load against `server` and reads its CPU time before and after, and its RSS after. */
export async function measure(
  ctx: BenchContext,
  server: ServerHandle,
  requests: LoadRequest[],
  options: MeasureOptions = {},
): Promise<Measurement> {
  const run = {
    origin: server.origin,
    connections: options.connections ?? ctx.options.connections,
    durationSeconds: options.seconds ?? ctx.options.durationSeconds,
    requests,
    ...(options.rate === undefined ? {} : { rate: options.rate }),
    ...(options.settleSeconds === undefined ? {} : { settleSeconds: options.settleSeconds }),
    ...(options.prime === undefined ? {} : { prime: options.prime }),
  };
  const storesBefore = ctx.services.cpuSeconds();
  const before = cpuSecondsOf(server.pid);
  const load =
    options.generator === undefined
      ? await runLoad(ctx.registry, ctx.workDir, { ...run, label: server.label })
      : await options.generator.run(run);
  const after = cpuSecondsOf(server.pid);
  const storesAfter = ctx.services.cpuSeconds();
  const storeCpuSeconds: StoreCpu = {};
  for (const name of Object.keys(storesAfter) as StoreName[]) {
    const start = storesBefore[name];
    const end = storesAfter[name];
    if (start !== undefined && end !== undefined) storeCpuSeconds[name] = end - start;
  }
  return {
    load,
    serverCpuSeconds: before === null || after === null ? null : after - before,
    storeCpuSeconds,
    rssBytes: rssBytesOf(server.pid),
  };
}

/** A short unmeasured run, so the JIT, the page cache and the pools are warm before the first measured one. */
export async function warmUp(ctx: BenchContext, contender: Contender, generator?: LoadGenerator): Promise<void> {
  if (ctx.options.warmupSeconds <= 0) return;
  const { load } = await measure(ctx, contender.server, contender.requests, {
    seconds: ctx.options.warmupSeconds,
    ...connectionsOf(contender),
    ...(generator === undefined ? {} : { generator }),
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

function medianOrNull(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : median(present);
}

const STORE_NAMES: readonly StoreName[] = ["redis", "postgres"];

/** Per store, the median over rounds of each round's figure, for the stores every round has. */
function storeMedians(runs: readonly RunFigures[]): StoreCpu {
  const medians: StoreCpu = {};
  for (const name of STORE_NAMES) {
    const values = runs.map((r) => r.storeCpuMsPer1k?.[name]);
    if (values.length > 0 && values.every((v) => v !== undefined)) medians[name] = median(values);
  }
  return medians;
}

/** One measured run of a round, in the order it ran. */
interface Slice {
  key: string;
  m: Measurement;
}

/** The figures of one contender in one round, from its slices there and its baseline's. */
function roundFigures(contender: Contender, sequence: readonly Slice[]): { run: RunFigures; cpuRatio: number | null } {
  const mine = sequence.filter((s) => s.key === contender.key).map((s) => s.m);
  const ok = mine.reduce((sum, m) => sum + m.load.steady.ok, 0);
  const seconds = mine.reduce((sum, m) => sum + m.load.steady.seconds, 0);
  const cpu = mine.every((m) => m.serverCpuSeconds !== null)
    ? mine.reduce((sum, m) => sum + (m.serverCpuSeconds ?? 0), 0)
    : null;
  const allOk = mine.reduce((sum, m) => sum + m.load.ok, 0);
  const storeCpuMsPer1k: StoreCpu = {};
  for (const name of STORE_NAMES) {
    const seconds = mine.map((m) => m.storeCpuSeconds[name]);
    if (allOk > 0 && seconds.every((s) => s !== undefined)) {
      storeCpuMsPer1k[name] = (seconds.reduce((sum, s) => sum + s, 0) * 1_000_000) / allOk;
    }
  }
  const baseline = contender.baseline;
  const byTime = sequence.map((s) => ({ key: s.key, ok: s.m.load.steady.ok, per: s.m.load.steady.seconds }));
  const byCpu = sequence.map((s) => ({ key: s.key, ok: s.m.load.ok, per: s.m.serverCpuSeconds }));
  return {
    run: {
      rps: seconds > 0 ? ok / seconds : 0,
      p50Ms: median(mine.map((m) => m.load.latency.p50)),
      p99Ms: median(mine.map((m) => m.load.latency.p99)),
      ratio: baseline === undefined ? null : pairedRatio(byTime, contender.key, baseline),
      reqPerCpuSecond: cpu === null || cpu <= 0 ? null : allOk / cpu,
      slices: mine.length,
      storeCpuMsPer1k,
    },
    cpuRatio: baseline === undefined ? null : pairedRatio(byCpu, contender.key, baseline),
  };
}

/**
 * Measures every contender in `runs` rounds. In a round, a baseline and the contenders
 * measured against it run in short alternating slices (`B X B Y B X B Y B`,
 * {@link roundSchedule}), each contender slice between two of its baseline's, so the VM's
 * drift hits both sides of a ratio alike; a contender with no baseline that is no one's
 * baseline runs once for the whole --duration. Each sliced contender keeps one warm
 * load-generator process for all its runs, and the first `settleSeconds` of a slice (new
 * connections) are not counted. A round's ratio is {@link pairedRatio} over its slices; its rps is the sum of answers
 * over the sum of seconds, its p50 and p99 the medians over its slices. Each contender is warmed
 * up once first. Returns one row per contender, in order; the row's figures are medians over the
 * rounds.
 */
export async function compareThroughput(ctx: BenchContext, contenders: readonly Contender[]): Promise<ThroughputRow[]> {
  const { options } = ctx;
  const schedule = roundSchedule(contenders, options.slicesPerRound);
  const byKey = new Map(contenders.map((c) => [c.key, c]));
  // Only sliced contenders keep a load generator across runs. A run that is not sliced (a
  // login's) starts a fresh one, as before slices: the requests a run leaves in flight when it
  // ends (logins still hashing, a few hundred ms) would overlap the next run's at once, and the
  // login throttle's in-flight bounds would refuse the excess with 429.
  const sliced = new Set(schedule.filter((keys) => keys.length > 1).flat());
  const generators = new Map<string, LoadGenerator>();
  const rounds: Slice[][][] = [];
  try {
    for (const contender of contenders) {
      let generator: LoadGenerator | undefined;
      if (sliced.has(contender.key)) {
        generator = startLoadGenerator(ctx.registry, ctx.workDir, contender.label);
        generators.set(contender.key, generator);
      }
      ctx.log(`  warming up ${contender.label}`);
      await warmUp(ctx, contender, generator);
    }
    for (let round = 1; round <= options.runs; round++) {
      const sequences: Slice[][] = [];
      for (const keys of schedule) {
        const inSlices = keys.length > 1;
        const sequence: Slice[] = [];
        for (const key of keys) {
          const contender = byKey.get(key);
          if (contender === undefined) throw new Error(`${key}: not a contender.`);
          const generator = generators.get(key);
          const m = await measure(ctx, contender.server, contender.requests, {
            ...connectionsOf(contender),
            seconds: inSlices ? options.sliceSeconds : options.durationSeconds,
            settleSeconds: inSlices ? options.settleSeconds : 0,
            // A server idle between its slices owes catch-up (cache refills, write-backs)
            // that a server under steady load spreads over minutes: paid before the count.
            prime: inSlices,
            ...(generator === undefined ? {} : { generator }),
          });
          sequence.push({ key, m });
        }
        sequences.push(sequence);
        for (const key of new Set(keys)) {
          const contender = byKey.get(key);
          if (contender === undefined) continue;
          const { run } = roundFigures(contender, sequence);
          const failures = sequence
            .filter((s) => s.key === key)
            .reduce((sum, s) => sum + s.m.load.non2xx + s.m.load.errors, 0);
          ctx.log(
            `  round ${round}/${options.runs} ${contender.label}: ${Math.round(run.rps).toLocaleString("en-US")} req/s over ${run.slices} slice${run.slices === 1 ? "" : "s"}${run.ratio === null ? "" : `, ${run.ratio.toFixed(2)}× its baseline`}, p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms${failures > 0 ? `, ${failures} non-2xx or errors` : ""}`,
          );
        }
      }
      rounds.push(sequences);
    }
  } finally {
    await Promise.all([...generators.values()].map((g) => g.stop()));
  }
  return contenders.map((contender) => {
    const runs: RunFigures[] = [];
    const cpuRatios: (number | null)[] = [];
    const measurements: Measurement[] = [];
    for (const sequences of rounds) {
      const sequence = sequences.find((seq) => seq.some((s) => s.key === contender.key));
      if (sequence === undefined) continue;
      const { run, cpuRatio } = roundFigures(contender, sequence);
      runs.push(run);
      cpuRatios.push(cpuRatio);
      measurements.push(...sequence.filter((s) => s.key === contender.key).map((s) => s.m));
    }
    const last = measurements[measurements.length - 1];
    return {
      key: contender.key,
      label: contender.label,
      rps: median(runs.map((r) => r.rps)),
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      ratio: medianOrNull(runs.map((r) => r.ratio)),
      baseline: contender.baseline ?? null,
      reqPerCpuSecond: medianOrNull(runs.map((r) => r.reqPerCpuSecond)),
      cpuRatio: medianOrNull(cpuRatios),
      storeCpuMsPer1k: storeMedians(runs),
      rssBytes: last?.rssBytes ?? null,
      loadCpuShare: median(measurements.map((m) => m.load.cpuShare)),
      non2xx: measurements.reduce((sum, m) => sum + m.load.non2xx, 0),
      errors: measurements.reduce((sum, m) => sum + m.load.errors, 0),
      runs,
    };
  });
}
