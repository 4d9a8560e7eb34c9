/**
 * What the bench's child processes and the runner say to each other over the IPC channel.
 * Every message is checked field by field on arrival, never cast.
 */
import { isRevocationLoadResult, type RevocationLoadResult } from "./revocation-messages.js";

/** One request the load generator cycles through. */
export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** What a load-generator child is asked to do. */
export interface LoadSpec {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  connections: number;
  /** Seconds. */
  durationSeconds: number;
  /** Every connection sends these in turn, over and over (keep-alive). */
  requests: LoadRequest[];
  /** Requests per second over all connections, or null to send as fast as answers come (closed loop). */
  rate: number | null;
  /**
   * Seconds from the start left out of `steady` and of the latencies: connection set-up and the
   * first answers. 0 counts everything. Seconds.
   */
  settleSeconds: number;
  /**
   * Before the timed run, send each distinct request once (a few at a time) and count the 2xx
   * answers in `ok` and `primed` only: the catch-up a server owes after sitting idle between
   * slices (see bench/README.md, "What the stores do during a slice").
   */
  prime: boolean;
}

/** Latency percentiles of 2xx responses. Milliseconds, at microsecond resolution. */
export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** What a load run measured. */
export interface LoadResult {
  /** 2xx responses over the whole run, the prime's included. */
  ok: number;
  /** 2xx responses to the prime (0 without one), in `ok` but not in `steady`. */
  primed: number;
  /** Responses with another status. */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Seconds the run took. */
  seconds: number;
  /** 2xx responses after the settling time, and the seconds from then to the end of the run. */
  steady: { ok: number; seconds: number };
  /** 2xx responses per second after the settling time (`steady.ok ÷ steady.seconds`). */
  rps: number;
  /** Of the 2xx responses after the settling time. */
  latency: Latency;
  /** CPU the load generator used, per second of wall time (1 = one core busy). */
  cpuShare: number;
  /** Status codes other than 2xx and how often they came, for diagnosing a broken run. */
  statuses: Record<string, number>;
}

/** A server child's view of itself (the runner reads RSS and CPU from /proc). */
export interface ServerStats {
  /** Event-loop delay since the last reset, in ms, or null when not monitored. */
  eventLoop: { p50: number; p99: number; max: number } | null;
  heapUsedBytes: number;
}

/** Child → runner. */
export type ChildMessage =
  | { type: "ready"; port: number }
  | { type: "result"; result: LoadResult }
  | { type: "hash"; result: HashResult }
  | { type: "stats"; stats: ServerStats }
  | { type: "revocation"; result: RevocationLoadResult }
  /** The keep-alive client (client-child.ts) has had the answers to `count` requests. */
  | { type: "sent"; count: number }
  | { type: "failed"; message: string };

/** Runner → child. */
export type RunnerMessage =
  | { type: "run"; spec: LoadSpec }
  | { type: "stats"; reset: boolean }
  /** To the keep-alive client: send `count` requests, one at a time. */
  | { type: "send"; count: number };

/** What the hash child measured: argon2id with the default parameters. */
export interface HashResult {
  /** Parameters used, as the PHC string writes them (`m=19456,t=2,p=1`). */
  params: string;
  /** One verification at a time: median milliseconds. */
  verifyMs: number;
  /** One hash at a time: median milliseconds. */
  hashMs: number;
  /** Verifications per second with `concurrency` in flight on the pool. */
  verifiesPerSecond: number;
  concurrency: number;
  /** libuv thread pool size of the child. */
  threadpool: number;
  /**
   * Cores the child may run on (os.availableParallelism(), which follows the pinning), as a server pinned like it;
   * absent from older reports.
   */
  usableCores?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** A number of requests: a whole number, 0 or more. */
function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

function isLatency(value: unknown): value is Latency {
  return isRecord(value) && isNumber(value.p50) && isNumber(value.p90) && isNumber(value.p99) && isNumber(value.max);
}

function isStatuses(value: unknown): value is Record<string, number> {
  return isRecord(value) && Object.values(value).every(isNumber);
}

function isLoadResult(value: unknown): value is LoadResult {
  return (
    isRecord(value) &&
    isNumber(value.ok) &&
    isNumber(value.primed) &&
    isNumber(value.non2xx) &&
    isNumber(value.errors) &&
    isNumber(value.seconds) &&
    isRecord(value.steady) &&
    isNumber(value.steady.ok) &&
    isNumber(value.steady.seconds) &&
    isNumber(value.rps) &&
    isLatency(value.latency) &&
    isNumber(value.cpuShare) &&
    isStatuses(value.statuses)
  );
}

function isHashResult(value: unknown): value is HashResult {
  return (
    isRecord(value) &&
    typeof value.params === "string" &&
    isNumber(value.verifyMs) &&
    isNumber(value.hashMs) &&
    isNumber(value.verifiesPerSecond) &&
    isNumber(value.concurrency) &&
    isNumber(value.threadpool)
  );
}

function isServerStats(value: unknown): value is ServerStats {
  if (!isRecord(value) || !isNumber(value.heapUsedBytes)) return false;
  const loop = value.eventLoop;
  return loop === null || (isRecord(loop) && isNumber(loop.p50) && isNumber(loop.p99) && isNumber(loop.max));
}

/** The message, if it is one the runner understands; null otherwise. */
export function parseChildMessage(value: unknown): ChildMessage | null {
  if (!isRecord(value)) return null;
  switch (value.type) {
    case "ready":
      return isNumber(value.port) ? { type: "ready", port: value.port } : null;
    case "result":
      return isLoadResult(value.result) ? { type: "result", result: value.result } : null;
    case "hash":
      return isHashResult(value.result) ? { type: "hash", result: value.result } : null;
    case "stats":
      return isServerStats(value.stats) ? { type: "stats", stats: value.stats } : null;
    case "revocation":
      return isRevocationLoadResult(value.result) ? { type: "revocation", result: value.result } : null;
    case "sent":
      return isCount(value.count) ? { type: "sent", count: value.count } : null;
    case "failed":
      return typeof value.message === "string" ? { type: "failed", message: value.message } : null;
    default:
      return null;
  }
}

function isLoadRequest(value: unknown): value is LoadRequest {
  return (
    isRecord(value) &&
    (value.method === "GET" || value.method === "POST") &&
    typeof value.path === "string" &&
    isRecord(value.headers) &&
    Object.values(value.headers).every((h) => typeof h === "string") &&
    (value.body === undefined || typeof value.body === "string")
  );
}

/** The message, if it is one a child understands; null otherwise. */
export function parseRunnerMessage(value: unknown): RunnerMessage | null {
  if (!isRecord(value)) return null;
  if (value.type === "stats") return typeof value.reset === "boolean" ? { type: "stats", reset: value.reset } : null;
  if (value.type === "send") return isCount(value.count) ? { type: "send", count: value.count } : null;
  if (value.type !== "run" || !isRecord(value.spec)) return null;
  const spec = value.spec;
  if (
    typeof spec.origin === "string" &&
    isNumber(spec.connections) &&
    isNumber(spec.durationSeconds) &&
    Array.isArray(spec.requests) &&
    spec.requests.every(isLoadRequest) &&
    (spec.rate === null || isNumber(spec.rate)) &&
    isNumber(spec.settleSeconds) &&
    typeof spec.prime === "boolean"
  ) {
    return {
      type: "run",
      spec: {
        origin: spec.origin,
        connections: spec.connections,
        durationSeconds: spec.durationSeconds,
        requests: spec.requests,
        rate: spec.rate,
        settleSeconds: spec.settleSeconds,
        prime: spec.prime,
      },
    };
  }
  return null;
}
