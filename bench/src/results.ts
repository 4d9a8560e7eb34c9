import type { MachineInfo } from "./machine.js";
import type { HashResult } from "./messages.js";
import type { ScenarioName } from "./options.js";
import type { RevocationVerdicts } from "./revocation-messages.js";

/** A store the bench starts (bench/src/services.ts). */
export type StoreName = "redis" | "postgres";

/** A figure per store, for the stores that have one. */
export type StoreCpu = Partial<Record<StoreName, number>>;

/** One round of one server: its slices of that round together (one run in reports from before slices). */
export interface RunFigures {
  /** 2xx answers over the seconds of its slices, summed. */
  rps: number;
  /** Median over its slices. */
  p50Ms: number;
  /** Median over its slices. */
  p99Ms: number;
  /**
   * Throughput over the baseline's: from the baseline's slices either side of each of its own (pairing.ts,
   * `pairedRatio`), or in reports from before slices, over the baseline's run in the same round; null for the
   * baseline itself or without one.
   */
  ratio: number | null;
  /** 2xx responses per CPU-second the server process used, over its slices; null without /proc. */
  reqPerCpuSecond: number | null;
  /** Slices the round's figures sum; absent in reports from before slices (one run). */
  slices?: number;
  /**
   * CPU-milliseconds per 1,000 2xx answers that each store the bench had started (Redis,
   * PostgreSQL: every process of it) used during the server's slices, whether this server uses
   * it or not (it shares core 0 with the server); absent in reports from before it was measured.
   */
  storeCpuMsPer1k?: StoreCpu;
}

/** A server's figures over all runs: medians, and the runs themselves. */
export interface ThroughputRow {
  key: string;
  label: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Median of the per-round ratios to `baseline` (see `runs`). */
  ratio: number | null;
  /** Key of the row the ratio is to. */
  baseline: string | null;
  reqPerCpuSecond: number | null;
  /**
   * Median per-round ratio of requests per server CPU-second to the baseline's (robust when the load generator limits).
   */
  cpuRatio: number | null;
  /** Per store, the median over rounds of {@link RunFigures.storeCpuMsPer1k}; absent in older reports. */
  storeCpuMsPer1k?: StoreCpu;
  /** Server RSS after its last slice. Bytes. */
  rssBytes: number | null;
  /** Median CPU share of the load generator (1 = a full core: it, not the server, may be the limit). */
  loadCpuShare: number;
  /** Summed over runs: non-2xx answers and connection errors (both should be 0). */
  non2xx: number;
  errors: number;
  runs: RunFigures[];
}

/** A row that could not run, and why. */
export interface SkippedRow {
  key: string;
  label: string;
  reason: string;
}

/** Scenarios 1, 2 and 3: throughput of several servers, each against a baseline measured in slices alternating with its own. */
export interface ThroughputScenario {
  rows: ThroughputRow[];
  skipped: SkippedRow[];
  notes: string[];
}

/** Scenario 3: the same server over a small and a large store. */
export interface FlatScenario extends ThroughputScenario {
  smallSessions: number;
  largeSessions: number;
  /** Seconds it took to insert the large store's sessions. */
  insertSeconds: number;
}

/** Scenario 4. */
export interface LoginScenario {
  hash: HashResult;
  login: ThroughputRow;
  /** Login throughput over the hash child's verifications per second on the same core. */
  ratioToHashOnly: number;
  /** Cores a server pinned like the hash child may use (1 when pinned); absent from older reports. */
  usableCores?: number;
  /** Logins per second over usable cores ÷ one verification (the login target); absent from older reports. */
  ratioToCores?: number;
  connections: number;
  notes: string[];
}

/** One storm variant's medians. */
export interface StormRow {
  key: string;
  label: string;
  /** UV_THREADPOOL_SIZE of the server; null for "no storm". */
  threadpool: number | null;
  /** The whoami load's fixed rate (req/s), or null when it ran as fast as answers came. */
  fixedRate: number | null;
  whoamiRps: number;
  whoamiP50Ms: number;
  whoamiP99Ms: number;
  /** Logins per second during the storm (null without a storm). */
  loginRps: number | null;
  /** Event-loop delay inside the server during the whoami load. Milliseconds. */
  eventLoopP99Ms: number | null;
  eventLoopMaxMs: number | null;
  non2xx: number;
  errors: number;
  runs: { whoamiRps: number; whoamiP99Ms: number; loginRps: number | null; eventLoopP99Ms: number | null }[];
}

/** Scenario 5. */
export interface StormScenario {
  rows: StormRow[];
  loginConnections: number;
  notes: string[];
}

/** Scenario 7. */
/** Two variants of one route (known vs unknown address) and their median answer times. */
export interface TimingPair {
  label: string;
  /** `POST /api/password/reset/` */
  route: string;
  /** What the first variant sends (`known address`). */
  first: string;
  /** What the second sends (`unknown address`). */
  second: string;
  /** Median answer time of the first variant. Milliseconds. */
  firstMs: number;
  /** Median answer time of the second. Milliseconds. */
  secondMs: number;
  /** Requests measured per variant. */
  samples: number;
  /** (first − second) / second, in percent. */
  differencePercent: number;
  /** Whether |differencePercent| is within the tolerance. */
  withinTolerance: boolean;
  /** Answers by variant and status, e.g. `150× first 202, 150× second 202`. */
  statuses: string;
  /** Why this pair is not meant to be equal, or null. */
  note: string | null;
}

/** Scenario 8: answer times of the no-enumeration routes for known vs unknown addresses. */
export interface TimingScenario {
  /** Two medians within this many percent count as equal. */
  tolerancePercent: number;
  pairs: TimingPair[];
  notes: string[];
}

export interface BurstScenario {
  /** Wrong-password logins in each burst, all from one IP. */
  guesses: number;
  /** Median latency of a legitimate login with no burst. Milliseconds. */
  aloneMs: number;
  /** Median latency of a legitimate login from another IP during the burst. Milliseconds. */
  duringBurstMs: number;
  /** Each round's latency during the burst. Milliseconds. */
  runsMs: number[];
  /** Median latency of a GET /api/csrf/ sent with the legitimate login: the wait any request has. Milliseconds. */
  csrfDuringBurstMs: number;
  /** Median time until every answer of the burst had arrived. Seconds. */
  burstSeconds: number;
  /** The burst's answers by status, summed over the rounds. */
  burstStatuses: Record<string, number>;
  notes: string[];
}

/** Bytes one session takes in one store. */
export interface StoreBytes {
  store: string;
  bytesPerSession: number | null;
  sessions: number;
  method: string;
  reason?: string;
}

/** Scenario 6. */
export interface MemoryScenario {
  rss: { label: string; idleBytes: number | null; afterLoadBytes: number | null; sessions: number }[];
  stores: StoreBytes[];
  notes: string[];
}

/** One store of scenario 9 (the verdicts as {@link RevocationVerdicts} says): three processes, whoami load, logouts one at a time. Times in milliseconds. */
export interface RevocationRow extends RevocationVerdicts {
  key: string;
  label: string;
  processes: number;
  clientsPerProcess: number;
  sessions: number;
  /** Length of the run. Seconds. */
  seconds: number;
  /** Every whoami answer (200 and 401/403) per second over the run. */
  whoamiRps: number;
  whoamiAnswered: number;
  whoamiAccepted: number;
  whoamiRefused: number;
  logoutP50Ms: number | null;
  logoutP99Ms: number | null;
  logoutMaxMs: number | null;
  /** whoami connection errors and timeouts. */
  errors: number;
  /** whoami answers other than 200, 401 and 403, by status. */
  otherStatuses: Record<string, number>;
  /** CPU share of the load process (1 = a full core). */
  loadCpuShare: number;
}

/** Scenario 9: revocation under load. */
export interface RevocationScenario {
  rows: RevocationRow[];
  skipped: SkippedRow[];
  notes: string[];
}

/** A target of the issue, and whether this run met it. */
export interface TargetCheck {
  id: string;
  description: string;
  target: string;
  value: number | null;
  display: string;
  /** null when the figure was not measured in this run. */
  met: boolean | null;
}

/** Everything a run produced: what latest.json holds. */
export interface BenchReport {
  schema: 1;
  machine: MachineInfo;
  settings: {
    /** Length of a run that is not sliced (login, storm, memory; before slices, every run). Seconds. */
    durationSeconds: number;
    /** Length of one slice of a throughput comparison. Seconds. Absent in reports from before slices. */
    sliceSeconds?: number;
    /** Slices of each compared server per round. Absent in reports from before slices. */
    slicesPerRound?: number;
    /** Seconds at the start of each slice not counted (new connections). Absent in reports from before slices. */
    settleSeconds?: number;
    /** Whether each slice was primed first (one uncounted request per distinct request). Absent in reports from before the prime. */
    primedSlices?: boolean;
    warmupSeconds: number;
    runs: number;
    connections: number;
    loginConnections: number;
    quick: boolean;
    /** Whether the peers ran in scenario 1 (`--peers`); absent in reports from before the flag. */
    peers?: boolean;
    scenarios: ScenarioName[];
    pinning: { used: boolean; serverCore: number | null; loadCore: number | null; note: string };
    loadGenerator: string;
    command: string;
  };
  elapsedSeconds: number;
  scenarios: {
    whoami?: ThroughputScenario;
    adapters?: ThroughputScenario;
    flat?: FlatScenario;
    login?: LoginScenario;
    storm?: StormScenario;
    memory?: MemoryScenario;
    burst?: BurstScenario;
    timing?: TimingScenario;
    revocation?: RevocationScenario;
  };
  /** Scenarios that failed, and why (their figures are missing). */
  failures: { scenario: ScenarioName; message: string }[];
  targets: TargetCheck[];
}
