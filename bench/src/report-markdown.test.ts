import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { markdownReport } from "./report-markdown.js";
import type { BenchReport, RunFigures, ThroughputRow } from "./results.js";

function row(key: string, ratio: number | null, runs: RunFigures[]): ThroughputRow {
  return {
    key,
    label: key,
    rps: 1000,
    p50Ms: 1,
    p99Ms: 2,
    ratio,
    baseline: ratio === null ? null : "bare",
    reqPerCpuSecond: 1200,
    cpuRatio: ratio,
    rssBytes: 2 ** 26,
    loadCpuShare: 1,
    non2xx: 0,
    errors: 0,
    runs,
  };
}

/** A whoami-only report; `sliced` adds what runs measured in slices write, and leaves it out as older reports do. */
function report(sliced: boolean): BenchReport {
  const run = (ratio: number | null): RunFigures => ({
    rps: 1000,
    p50Ms: 1,
    p99Ms: 2,
    ratio,
    reqPerCpuSecond: 1200,
    ...(sliced ? { slices: 3, storeCpuMsPer1k: { redis: 0.5, postgres: 12.5 } } : {}),
  });
  return {
    schema: 1,
    machine: { cpuModel: "test CPU", cores: 2, memoryGiB: 1, node: "v20", os: "test OS", date: "2026-12-06T13:38:00Z" },
    settings: {
      durationSeconds: 10,
      ...(sliced ? { sliceSeconds: 3, slicesPerRound: 3, settleSeconds: 0.25 } : {}),
      warmupSeconds: 3,
      runs: 3,
      connections: 50,
      loginConnections: 8,
      quick: false,
      scenarios: ["whoami"],
      pinning: { used: false, serverCore: null, loadCore: null, note: "no" },
      loadGenerator: "autocannon 8 (programmatic API)",
      command: "npm run bench -- --only whoami",
    },
    elapsedSeconds: 60,
    scenarios: {
      whoami: {
        rows: [
          row("bare", null, [run(null), run(null), run(null)]),
          {
            ...row("ready-sqlite", 0.69, [run(1.01), run(0.51), run(0.69)]),
            ...(sliced ? { storeCpuMsPer1k: { redis: 0.46, postgres: 12.54 } } : {}),
          },
        ],
        skipped: [],
        notes: [],
      },
    },
    failures: [],
    targets: [],
  };
}

describe("markdownReport()", () => {
  it("lists each round's ratio and the spread, (highest − lowest) ÷ median, for a run measured in slices", () => {
    const markdown = markdownReport(report(true));
    assert.match(markdown, /\| server \| req\/s \| × bare node:http \| each round \| spread \|/);
    // (1.01 − 0.51) ÷ 0.69 = 72 %
    assert.match(markdown, /\| ready-sqlite \| 1,000 \| 0\.69× \| 1\.01 \/ 0\.51 \/ 0\.69 \| 72 % \|/);
    assert.match(markdown, /every server runs 3 slices of 3 s, each between two slices of its baseline/);
  });

  it("shows what each store's processes used on the server's core during a server's slices, per 1,000 answers", () => {
    const markdown = markdownReport(report(true));
    assert.match(markdown, /\| Redis CPU ms per 1k req \| PostgreSQL CPU ms per 1k req \|/);
    // ready-sqlite: Redis 0.46 ms, PostgreSQL 12.54 ms per 1,000 answers; bare had no figure (no store started).
    assert.match(markdown, /\| ready-sqlite \|( [^|]* \|){8} 0\.5 \| 12\.5 \|/);
    assert.match(markdown, /\| bare \|( [^|]* \|){8} — \| — \|/);
  });

  it("renders a report from before slices, saying its figures come from one run per server per round", () => {
    const markdown = markdownReport(report(false));
    assert.match(markdown, /\| ready-sqlite \| 1,000 \| 0\.69× \| 1\.01 \/ 0\.51 \/ 0\.69 \| 72 % \|/);
    assert.match(markdown, /10 s per run, each figure the median of 3 runs/);
    assert.doesNotMatch(markdown, /slices/);
    // Measured before the stores' CPU was: the columns say so instead of failing.
    assert.match(markdown, /\| ready-sqlite \|( [^|]* \|){8} — \| — \|/);
  });
});
