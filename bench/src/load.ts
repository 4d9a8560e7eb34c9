import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { ChildRegistry } from "./children.js";
import type { LoadRequest, LoadResult } from "./messages.js";

const LOAD_SCRIPT = fileURLToPath(new URL("./load-child.js", import.meta.url));
/**
 * Time a load child may take beyond its run's duration (start-up, connection set-up, slow last responses).
 * Milliseconds.
 */
const SLACK_MS = 60_000;

/** One load run against one server. */
export interface LoadRun {
  origin: string;
  connections: number;
  durationSeconds: number;
  requests: LoadRequest[];
  /** Requests per second over all connections. @default as fast as the server answers */
  rate?: number;
  /** Seconds at the start left out of the steady rate and the latencies. @default 0 */
  settleSeconds?: number;
  /** Send each distinct request once before the timed run (see `LoadSpec.prime`). @default false */
  prime?: boolean;
}

/** A load-generator child kept for several runs, one at a time. */
export interface LoadGenerator {
  run(run: LoadRun): Promise<LoadResult>;
  /** Stops the child; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a load-generator child pinned to core 1 that serves one run after another, so short
 * runs (a comparison's slices) skip a process's start-up and its JIT warm-up. `label` names it
 * in messages.
 */
export function startLoadGenerator(registry: ChildRegistry, workDir: string, label: string): LoadGenerator {
  const child = registry.start({
    script: LOAD_SCRIPT,
    args: [],
    label: `load generator (${label})`,
    core: 1,
    logFile: join(workDir, "load.log"),
  });
  return {
    async run(run) {
      const answer = child.next((m) => (m.type === "result" ? m.result : null), run.durationSeconds * 1000 + SLACK_MS);
      child.send({
        type: "run",
        spec: {
          origin: run.origin,
          connections: run.connections,
          durationSeconds: run.durationSeconds,
          requests: run.requests,
          rate: run.rate ?? null,
          settleSeconds: run.settleSeconds ?? 0,
          prime: run.prime ?? false,
        },
      });
      return answer;
    },
    stop: () => child.stop(),
  };
}

/**
 * Runs one bounded load in a fresh load-generator child pinned to core 1, and resolves with
 * what it measured. The child is stopped whatever happens.
 */
export async function runLoad(
  registry: ChildRegistry,
  workDir: string,
  run: LoadRun & { label: string },
): Promise<LoadResult> {
  const generator = startLoadGenerator(registry, workDir, run.label);
  try {
    return await generator.run(run);
  } finally {
    await generator.stop();
  }
}

/** Cookie-authenticated GETs of `path`, one per token, so the load spreads over many sessions. */
export function cookieRequests(path: string, cookieName: string, tokens: readonly string[]): LoadRequest[] {
  return tokens.map((token) => ({ method: "GET", path, headers: { cookie: `${cookieName}=${token}` } }));
}
