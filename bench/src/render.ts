/**
 * Re-renders latest.md and chart.svg from a latest.json, without measuring again:
 * `node bench/dist/render.js [bench/results/latest.json]` (after changing how reports look).
 * The targets are checked again from the stored figures, so a corrected target applies to a
 * stored run too (latest.json is written again with them).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeReports } from "./report-files.js";
import type { BenchReport } from "./results.js";
import { checkTargets } from "./targets.js";

function isReport(value: unknown): value is BenchReport {
  // Written by this bench: checking the schema marker and the top-level parts is enough here.
  return (
    typeof value === "object" &&
    value !== null &&
    "schema" in value &&
    value.schema === 1 &&
    "machine" in value &&
    "settings" in value &&
    "scenarios" in value &&
    "targets" in value &&
    "failures" in value
  );
}

const file = resolve(process.argv[2] ?? fileURLToPath(new URL("../results/latest.json", import.meta.url)));
const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
if (!isReport(parsed)) throw new Error(`${file} is not a bench report (schema 1).`);
const report: BenchReport = { ...parsed, targets: checkTargets(parsed.scenarios) };
for (const written of writeReports(report, dirname(file))) console.log(`wrote ${written}`);
