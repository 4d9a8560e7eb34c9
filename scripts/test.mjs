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
let files = roots.flatMap((dir) => findTests(dir, [])).sort();
if (filters.length > 0) files = files.filter((f) => filters.some((s) => relative(root, f).includes(s)));
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
    if (skipped > 0) console.log(`${skipped} skipped (each says why above)`);
    if (todo > 0) console.log(`${todo} todo`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 ? 1 : 0;
  });
});
