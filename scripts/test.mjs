// Runs every compiled test file (packages/*/dist, tests/dist and bench/dist: **/*.test.js)
// with node's test runner, prints the spec report, and ends with a plain
// "N passed, N failed" line of the real counts (the line CI reads).
//
// Usage: node scripts/test.mjs [substring ...]   (only files whose repository-relative path
// contains one of them, e.g. "tests/dist/cli" or "redis"; the checkout's own location never matches)
import { readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { run } from "node:test";
import { spec } from "node:test/reporters";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2);

function findTests(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith(".test.js")) out.push(path);
  }
  return out;
}

const roots = [
  ...readdirSync(join(root, "packages")).map((p) => join(root, "packages", p, "dist")),
  join(root, "tests", "dist"),
  join(root, "bench", "dist"),
];
// The files known to take longest start first (longest-processing-time-first scheduling):
// with two workers, a long file that starts last runs alone at the end while the other worker
// idles. Figures: each file's process wall time in the fresh-clone CI run of 2026-12-06 08:00
// on 2 cores (after the registry test got faster); the "Slowest test files" list at the end of
// every run shows the current ones.
const LONG_FIRST = [
  "tests/dist/scale/store-freeze.test.js", // 132 s
  "tests/dist/registry/registry.test.js", // 129 s
  "tests/dist/scale/multi-node.test.js", // 84 s
  "bench/dist/bench-smoke.test.js", // 76 s
  "tests/dist/cli/doctor-token.test.js", // 65 s
  "tests/dist/cli/doctor-browser.test.js", // 63 s
  "tests/dist/browser/chromium/account-pages.test.js", // 54 s
  "tests/dist/scale/store-faults.test.js", // 52 s
  "tests/dist/browser/chromium/account-pages-b.test.js", // 52 s
  "tests/dist/fuzz/http-fuzz.test.js", // 50 s
  "tests/dist/browser/firefox/mode-c1.test.js", // 46 s
  "tests/dist/cli/doctor-browser-user.test.js", // 44 s
  "tests/dist/browser/firefox/mode-c2.test.js", // 44 s
];
const rank = (file) => {
  const i = LONG_FIRST.findIndex((suffix) => file.endsWith(suffix));
  return i === -1 ? LONG_FIRST.length : i;
};
let files = roots.flatMap((dir) => findTests(dir, [])).sort();
if (filters.length > 0) files = files.filter((f) => filters.some((s) => relative(root, f).includes(s)));
files.sort((a, b) => rank(a) - rank(b)); // stable: the rest stay in path order
if (files.length === 0) {
  console.error("No test files found. Did `tsc -b` run?");
  console.log("0 passed, 1 failed");
  process.exit(1);
}
console.log(`Running ${files.length} test files:\n${files.map((f) => "  " + relative(root, f)).join("\n")}\n`);

let passed = 0;
let failed = 0;
let skipped = 0;
let todo = 0;
const stream = run({
  files,
  concurrency: Math.max(2, availableParallelism()),
  // Per file. The registry install test (tests/src/registry) alone takes minutes on a loaded machine.
  timeout: 15 * 60 * 1000,
});
/** Per test file: how long its process ran (ms), from the file-level "test:complete" event. */
const fileDurations = new Map();
stream.on("test:complete", (event) => {
  const ms = event.details?.duration_ms;
  const fileLevel = event.nesting === 0 && event.file !== undefined && event.file.endsWith(event.name);
  if (fileLevel && typeof ms === "number") fileDurations.set(event.file, ms);
});
stream.on("test:pass", (event) => {
  if (event.details?.type === "suite") return;
  if (event.skip) skipped += 1;
  else if (event.todo) todo += 1;
  else passed += 1;
});
stream.on("test:fail", (event) => {
  if (event.details?.type === "suite" && event.details?.error?.failureType === "subtestsFailed") return;
  failed += 1;
});
stream.compose(spec).pipe(process.stdout);
stream.on("end", () => {
  // Let the spec reporter flush before the closing line.
  setImmediate(() => {
    const slowest = [...fileDurations].sort((a, b) => b[1] - a[1]).slice(0, 15);
    if (slowest.length > 1) {
      console.log("\nSlowest test files (wall time of each file's process, seconds):");
      for (const [file, ms] of slowest) console.log(`${(ms / 1000).toFixed(1).padStart(8)}  ${relative(root, file)}`);
      console.log("");
    }
    if (skipped > 0) console.log(`${skipped} skipped (each says why above)`);
    if (todo > 0) console.log(`${todo} todo`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 ? 1 : 0;
  });
});
