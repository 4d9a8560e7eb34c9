import { resolve } from "node:path";
import { parseArgs } from "node:util";

/** The scenarios, in the order they run (numbered as in the issue). */
export const SCENARIOS = [
  "whoami",
  "adapters",
  "flat",
  "login",
  "storm",
  "memory",
  "burst",
  "timing",
  "revocation",
] as const;
/** One scenario's name. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** The bench's settings, resolved from the command line. */
export interface BenchOptions {
  /** Length of one measured load run that is not sliced (logins, storm, memory). Seconds. @default 10 (2 with --quick) */
  readonly durationSeconds: number;
  /**
   * Length of one slice of a throughput comparison (scenarios 1–3): a server and its baseline
   * alternate in slices this long. Seconds. @default 3 (1 with --quick)
   */
  readonly sliceSeconds: number;
  /** Slices of each compared server per round (its baseline gets one more). @default 3 (1 with --quick) */
  readonly slicesPerRound: number;
  /**
   * Seconds at the start of each slice not counted in its rate and latencies (a slice opens new
   * connections; a quiet machine answers the first request within milliseconds, this shared VM
   * took 15 to 170 ms). Seconds. 0.25, not a flag.
   */
  readonly settleSeconds: number;
  /**
   * Length of the warm-up run each server gets once before its measured runs; 0 skips it. Seconds.
   * @default 3 (1 with --quick), at most the duration
   */
  readonly warmupSeconds: number;
  /** Keep-alive connections of the whoami load. @default 50 */
  readonly connections: number;
  /** Connections of the login load (each waits for one argon2id verification at a time). @default 8 */
  readonly loginConnections: number;
  /** Rounds of every figure; reported figures are medians over them. @default 3 (1 with --quick) */
  readonly runs: number;
  /** Sessions in the large store of the flat-cost scenario. @default 1000000 */
  readonly largeSessions: number;
  /** Sessions in the store of every other whoami server (and the token pool the load cycles through). @default 1000 */
  readonly smallSessions: number;
  /** Sessions inserted to measure bytes per session in each store. @default 100000 (10000 with --quick) */
  readonly bytesSessions: number;
  /** Length of each row of the revocation scenario. Seconds. @default 50 (4 with --quick) */
  readonly revocationSeconds: number;
  /** Sessions logged out during each row of the revocation scenario. @default 200 (30 with --quick) */
  readonly revocationSessions: number;
  /** Keep-alive whoami clients per server process in the revocation scenario. @default 8 */
  readonly revocationClients: number;
  /** Scenarios to run. @default all */
  readonly only: readonly ScenarioName[];
  /** Where latest.json, latest.md and chart.svg go. @default <repo>/bench/results */
  readonly outDir: string;
  /** Pin servers to core 0 and load generators to core 1 with taskset, when available. @default true */
  readonly pin: boolean;
  /** Also measure the peers (express-session + connect-redis, better-auth) in scenario 1's rounds. @default false */
  readonly peers: boolean;
  readonly quick: boolean;
  readonly help: boolean;
}

/** The text of `--help`. */
export const HELP = `npm run bench -- [flags]

Measures latchkey's authenticated throughput, latency and memory against a bare node:http
server (and bare Express/Fastify routes) measured in the same run, and writes
bench/results/latest.json, latest.md and chart.svg.

Flags:
  --slice <s>           seconds per slice in scenarios 1-3, where each server alternates with
                        its baseline: B X B Y B ... (default 3)
  --slices <n>          slices of each server per round in scenarios 1-3 (default 3)
  --duration <s>        seconds per run that is not sliced: logins, storm, memory (default 10)
  --connections <n>     keep-alive connections of the whoami load (default 50)
  --runs <n>            rounds per figure; figures are medians over them (default 3)
  --warmup <s>          unmeasured seconds of load per server before its runs (default 3; 0: none)
  --quick               smoke run: 1 slice of 1 s, 2 s per run, 1 round, 1 s warm-up, 100,000 large sessions,
                        revocation rows of 4 s with 30 sessions (default 50 s, 200)
  --only <a,b,...>      scenarios to run: ${SCENARIOS.join(", ")}
  --large-sessions <n>  sessions in the flat-cost scenario's large store (default 1000000)
  --out <dir>           where to write the reports (default bench/results)
  --no-pin              do not pin processes to cores with taskset
  --peers               also run the peers in scenario 1's rounds: Express 5 + express-session
                        + connect-redis (Redis) and better-auth (SQLite), same load, ratio to
                        the same bare node:http runs (needs the whoami scenario)
  --help                this text

Needs: Linux for CPU and memory figures (/proc), taskset for pinning, redis-server and
PostgreSQL's initdb for their scenarios (skipped, and said so, when missing).`;

/** Thrown for a bad flag; the message says which. */
export class BenchUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BenchUsageError";
  }
}

function positiveNumber(name: string, text: string | undefined, fallback: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new BenchUsageError(
      `--${name} must be a positive ${integer ? "integer" : "number"}; got ${JSON.stringify(text)}.`,
    );
  }
  return value;
}

function scenarioList(text: string | undefined): ScenarioName[] {
  if (text === undefined) return [...SCENARIOS];
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const chosen: ScenarioName[] = [];
  for (const name of names) {
    const known = SCENARIOS.find((s) => s === name);
    if (known === undefined)
      throw new BenchUsageError(
        `--only: unknown scenario ${JSON.stringify(name)}; choose from ${SCENARIOS.join(", ")}.`,
      );
    chosen.push(known);
  }
  if (chosen.length === 0) throw new BenchUsageError("--only needs at least one scenario.");
  // Keep the canonical order whatever order they were given in.
  return SCENARIOS.filter((s) => chosen.includes(s));
}

/**
 * Parses the bench's command line (without `node` and the script).
 *
 * @throws {BenchUsageError} for an unknown flag or a bad value.
 */
export function parseOptions(argv: readonly string[], repoRoot: string): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        duration: { type: "string" },
        slice: { type: "string" },
        slices: { type: "string" },
        connections: { type: "string" },
        runs: { type: "string" },
        warmup: { type: "string" },
        quick: { type: "boolean", default: false },
        only: { type: "string" },
        "large-sessions": { type: "string" },
        out: { type: "string" },
        "no-pin": { type: "boolean", default: false },
        peers: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  const quick = v.quick === true;
  const durationSeconds = positiveNumber("duration", v.duration, quick ? 2 : 10, false);
  const sliceSeconds = positiveNumber("slice", v.slice, quick ? 1 : 3, false);
  // A slice's first settleSeconds are not counted; what is left must be most of it.
  if (sliceSeconds < 1)
    throw new BenchUsageError(`--slice must be at least 1 (second); got ${JSON.stringify(v.slice)}.`);
  const only = scenarioList(v.only);
  const peers = v.peers === true;
  if (peers && !only.includes("whoami"))
    throw new BenchUsageError("--peers runs in the whoami scenario; add whoami to --only.");
  return Object.freeze({
    durationSeconds,
    sliceSeconds,
    slicesPerRound: positiveNumber("slices", v.slices, quick ? 1 : 3, true),
    settleSeconds: 0.25,
    warmupSeconds:
      v.warmup === "0" ? 0 : positiveNumber("warmup", v.warmup, Math.min(quick ? 1 : 3, durationSeconds), false),
    connections: positiveNumber("connections", v.connections, 50, true),
    loginConnections: 8,
    runs: positiveNumber("runs", v.runs, quick ? 1 : 3, true),
    largeSessions: positiveNumber("large-sessions", v["large-sessions"], quick ? 100_000 : 1_000_000, true),
    smallSessions: 1_000,
    bytesSessions: quick ? 10_000 : 100_000,
    revocationSeconds: quick ? 4 : 50,
    revocationSessions: quick ? 30 : 200,
    revocationClients: 8,
    only,
    outDir: resolve(v.out ?? resolve(repoRoot, "bench", "results")),
    pin: v["no-pin"] !== true,
    peers,
    quick,
    help: v.help === true,
  });
}
