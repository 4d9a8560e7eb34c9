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
  /** For log file names and messages. */
  label: string;
}

/**
 * Runs one bounded load in a fresh load-generator child pinned to core 1, and resolves with
 * what it measured. The child is stopped whatever happens.
 */
export async function runLoad(registry: ChildRegistry, workDir: string, run: LoadRun): Promise<LoadResult> {
  const child = registry.start({
    script: LOAD_SCRIPT,
    args: [],
    label: `load generator (${run.label})`,
    core: 1,
    logFile: join(workDir, "load.log"),
  });
  try {
    const answer = child.next((m) => (m.type === "result" ? m.result : null), run.durationSeconds * 1000 + SLACK_MS);
    child.send({
      type: "run",
      spec: {
        origin: run.origin,
        connections: run.connections,
        durationSeconds: run.durationSeconds,
        requests: run.requests,
        rate: run.rate ?? null,
      },
    });
    return await answer;
  } finally {
    await child.stop();
  }
}

/** Cookie-authenticated GETs of `path`, one per token, so the load spreads over many sessions. */
export function cookieRequests(path: string, cookieName: string, tokens: readonly string[]): LoadRequest[] {
  return tokens.map((token) => ({ method: "GET", path, headers: { cookie: `${cookieName}=${token}` } }));
}
