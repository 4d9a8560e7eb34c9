import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runFuzz } from "./fuzz-run.js";
import { FUZZ_SERVERS } from "./fuzz-servers.js";
import { createFuzzTarget } from "./fuzz-target.js";

/**
 * Generated requests per server in the suite: 5 servers × 4,000 = 20,000 requests. The long
 * run is `npm run fuzz` (10^6 requests). `LATCHKEY_FUZZ_RUNS` changes the count here;
 * `LATCHKEY_FUZZ_SEED` replays a failing run (fast-check prints the seed).
 */
const RUNS = Number(process.env.LATCHKEY_FUZZ_RUNS ?? 4_000);
const SEED = process.env.LATCHKEY_FUZZ_SEED === undefined ? undefined : Number(process.env.LATCHKEY_FUZZ_SEED);
/**
 * A bound on each server's share, so a very slow machine ends the suite anyway (it then says how many it sent).
 * Milliseconds.
 */
const TIME_LIMIT_MS = 150_000;

describe("fuzzing the HTTP surface with generated requests (fast-check)", () => {
  for (const [name, start] of Object.entries(FUZZ_SERVERS)) {
    it(`never answers 5xx, leaks nothing, answers every /api error as JSON with detail, and a refusal sets no cookie and changes no user or session (${name})`, {
      timeout: TIME_LIMIT_MS + 60_000,
    }, async (t) => {
      const target = await createFuzzTarget(await start());
      let closed = false;
      try {
        const report = await runFuzz(target, {
          numRuns: RUNS,
          timeLimitMs: TIME_LIMIT_MS,
          ...(SEED === undefined ? {} : { seed: SEED }),
        });
        t.diagnostic(
          `${report.requests} requests (seed ${report.seed}); statuses: ${[...report.statuses]
            .sort(([a], [b]) => a - b)
            .map(([s, n]) => `${s}×${n}`)
            .join(" ")}`,
        );
        assert.ok(report.requests > 0);
        closed = true;
        // A harness app's close() also fails if any answer disagreed with its OpenAPI document.
        await target.close();
      } finally {
        if (!closed) await target.close().catch(() => undefined);
      }
    });
  }
});
