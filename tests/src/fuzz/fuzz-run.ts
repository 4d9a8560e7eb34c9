import fc from "fast-check";
import { responseProblems } from "./fuzz-properties.js";
import { requestArbitrary, type FuzzRequest } from "./fuzz-requests.js";
import type { FuzzTarget } from "./fuzz-target.js";

/** Bounds and reporting of one fuzzing run. */
export interface FuzzRunOptions {
  /** Requests to send (at most). */
  numRuns: number;
  /** Stop generating after this long, even if fewer requests were sent. Milliseconds. */
  timeLimitMs: number;
  /** fast-check's seed, to replay a run. @default random */
  seed?: number;
  /** Called every `progressEvery` requests. */
  onProgress?: (sent: number, statuses: ReadonlyMap<number, number>) => void;
  /** @default 1000 */
  progressEvery?: number;
}

/** What a run did. */
export interface FuzzRunReport {
  readonly seed: number;
  readonly requests: number;
  /** How many answers had each status. */
  readonly statuses: ReadonlyMap<number, number>;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Sends generated requests to `target` one at a time and checks each answer with
 * {@link responseProblems}, and that a refused request (4xx) changed no user and no
 * session (the stores are read before and after it). Rejects with fast-check's report (the
 * seed, and the smallest failing request it found) at the first request that breaks a rule.
 */
export async function runFuzz(target: FuzzTarget, options: FuzzRunOptions): Promise<FuzzRunReport> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const every = options.progressEvery ?? 1000;
  const statuses = new Map<number, number>();
  let requests = 0;
  const basePath = target.server.latchkey.config.basePath;
  // The stores as a refused request left them: the next request starts from there, unless a
  // success (or the fixture's refresh after it) may have changed them.
  let known: string | null = null;
  const property = fc.asyncProperty(requestArbitrary(target.knownPaths), async (request: FuzzRequest) => {
    const before = known ?? (await target.snapshot());
    known = null;
    const response = await target.send(request);
    requests += 1;
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (options.onProgress !== undefined && requests % every === 0) options.onProgress(requests, statuses);
    const problems = responseProblems(request, response, basePath);
    const checker = target.server.checker;
    if (checker !== null)
      problems.push(
        ...checker.check({ method: request.method, url: request.path, ...response, requestHeaders: request.headers }),
      );
    if (response.status >= 400) {
      const after = await target.snapshot();
      if (after !== before) problems.push(`a refused request (${response.status}) changed users or sessions`);
      else known = after;
    }
    if (problems.length > 0)
      throw new Error(`${request.method} ${request.path} → ${response.status}:\n  ${problems.join("\n  ")}`);
    // A success may have ended or rotated the fixture's credentials: log in again.
    if (response.status < 300 && UNSAFE.has(request.method)) await target.refresh();
  });
  await fc.assert(property, {
    numRuns: options.numRuns,
    seed,
    interruptAfterTimeLimit: options.timeLimitMs,
    markInterruptAsFailure: false,
    endOnFailure: false,
  });
  return { seed, requests, statuses };
}
