import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chartSvg, headlineBars } from "./chart-svg.js";
import { markdownReport } from "./report-markdown.js";
import type { BenchReport } from "./results.js";

/** Writes through a `.tmp` file and a rename, so a run killed mid-write leaves the last good report. */
function writeAtomically(path: string, text: string): void {
  const temp = `${path}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

/** Writes latest.json, latest.md and chart.svg into `dir`; resolves to their paths. */
export function writeReports(report: BenchReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = {
    json: join(dir, "latest.json"),
    markdown: join(dir, "latest.md"),
    chart: join(dir, "chart.svg"),
  };
  writeAtomically(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeAtomically(files.markdown, markdownReport(report));
  const m = report.machine;
  const { runs, sliceSeconds, slicesPerRound, durationSeconds, connections } = report.settings;
  // Reports from before slices have one run of durationSeconds per server per round.
  const measured =
    sliceSeconds === undefined || slicesPerRound === undefined
      ? `median of ${runs} × ${durationSeconds} s`
      : `median of ${runs} round${runs === 1 ? "" : "s"} (dots), each ${slicesPerRound} × ${sliceSeconds} s slices between the baseline's`;
  const subtitle = `${m.cpuModel}, ${m.cores} cores, Node ${m.node}; ${measured}, ${connections} connections; ${m.date.slice(0, 10)}`;
  writeAtomically(files.chart, chartSvg(headlineBars(report), subtitle));
  return Object.values(files);
}
