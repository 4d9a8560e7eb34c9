/**
 * Instructions per request, counted by valgrind's callgrind: deterministic where wall-clock
 * and CPU-time figures swing ±40 % on a shared VM (and `perf stat` has no PMU to count with).
 *
 *   npx tsc -b && node bench/dist/instructions.js [variant …] [--warmup 5000] [--low 200] [--high 2200] [--keep DIR] [--simulate]
 *
 * For each variant it runs one node process under callgrind that starts the server under
 * test in-process and has it answer `low`, then (in a second run) `high` keep-alive requests,
 * one at a time, from a raw-socket client in a child process of its own (client-child.ts,
 * not traced); (Ir(high) − Ir(low)) ÷ (high − low), without TurboFan's compiles (see
 * annotate in callgrind-counts.ts), is the server's cost of one request, start-up and
 * warm-up cancelling out. (Until 7 December 2026 the client ran in the counted process, and
 * every figure held its work too: about 21,500 instructions a request, the same for every
 * variant, which drew every ratio between two variants towards 1.) Node runs with
 * `--single-threaded` (no concurrent compiler or marker threads), fixed hash and random
 * seeds, no scavenge tasks, and neither the memory reducer nor code flushing (all of them
 * timed by the event loop or the wall clock), so two identical runs agree to well under
 * 0.1 %.
 * `--keep DIR` keeps the callgrind files (`DIR/<variant>.<count>.out`) for callgrind_annotate;
 * add `--perf-basic-prof` via `--node-flag` to give JIT frames names. `--simulate` also runs
 * callgrind's cache and branch-predictor simulation (`--cache-sim=yes --branch-sim=yes`, about
 * twice as slow) and prints, per request and without the compiles, the simulated first- and
 * last-level cache misses and the mispredicted branches: what an instruction count does not
 * weigh (a model of a cache, not this CPU's; compare variants, not machines).
 *
 * Variants (all but the two store ones over one real SQLite file with the bench user and one session):
 * - `floor`: bare `node:http` sending the exact status, headers and body the ready server's
 *   whoami sends (headers captured from it), with one `writeHead()` and `end()`;
 * - `bare`: the bench's bare server (Content-Type and Content-Length only);
 * - `ready`: the ready server's `GET /api/whoami/` (`@latchkey/server`, as `latchkey serve`);
 * - `ready-anonymous`: the same request without the session cookie (its 401);
 * - `ready-log-info`, `ready-access-log`: `ready` at log level `info` with the access log off,
 *   and on (a line per request, pino writing to the counting process's stdout, /dev/null);
 * - `ready-redis-cache`, `ready-postgres-cache`: the same over Redis sessions (users in a SQLite
 *   file) or over PostgreSQL, with the session cache on (leases and acknowledged invalidation):
 *   the store runs in a redis-server or PostgreSQL the driver starts on loopback (the bench's
 *   own starters, bench/src/services.ts) and stops at the end; callgrind traces only the node
 *   process, so the store's own work is not in the count, only the server's side of it;
 * - `node-handle`: `@latchkey/node`'s `handle()` on `node:http` (whoami);
 * - `<framework>-bare` / `<framework>-auth` for `node-route`, `express`, `fastify`, `hono`:
 *   the bench's app route `GET /api/profile/`, bare, or behind latchkey and `requireUser()`.
 *
 * Internally: `instructions.js prepare DIR` makes the fixture; `instructions.js loop VARIANT
 * COUNT DIR` is the process callgrind runs.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { COUNTED_NODE_FLAGS, countWarmRun, type Counted } from "./callgrind-counts.js";
import { prepare, startVariant, VARIANTS, withFixture } from "./request-variants.js";

/** Resolves once `file` exists, looking every few milliseconds (the driver creates it). */
function whenExists(file: string): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (!existsSync(file)) return;
      clearInterval(timer);
      resolve();
    }, 5);
  });
}

async function loop(variant: string, warmup: number, count: number, dir: string): Promise<void> {
  const server = await startVariant(variant, dir);
  const signal = process.env.INSTRUCTIONS_SIGNAL;
  try {
    // Warm-up outside the count (callgrind starts with instrumentation off): V8 is still
    // compiling the request path with TurboFan after 3,000 requests.
    const client = await server.connect();
    await client.send(warmup);
    // A scavenge before the count, so each run starts it with the same empty young
    // generation. (This was meant as a full collection: `gc({ type: "major" })` runs a
    // scavenge on Node 20, and that is what the figures of the previous rounds had. A real
    // one, plain `gc()`, makes V8 drop optimised code and recompile it inside the count:
    // `bare` went from 81,650 to 129,592 instructions a request, 200,000 more in compiles.)
    const collect: unknown = Reflect.get(globalThis, "gc");
    if (typeof collect === "function") collect({ type: "minor" });
    if (signal !== undefined) {
      writeFileSync(`${signal}.warm`, String(process.pid));
      await whenExists(`${signal}.go`);
    }
    await client.send(count);
    client.close();
  } finally {
    await server.close();
    // With --perf-basic-prof, V8's map of JIT code names, kept beside the callgrind file.
    const map = `/tmp/perf-${process.pid}.map`;
    if (signal !== undefined && existsSync(map)) copyFileSync(map, `${signal}.map`);
  }
}

/** Counts one run of `count` requests to `variant` (see {@link countWarmRun}). */
function countInstructions(
  variant: string,
  warmup: number,
  count: number,
  dir: string,
  out: string,
  nodeFlags: string[],
  simulate: boolean,
): Promise<Counted> {
  const script = fileURLToPath(import.meta.url);
  return countWarmRun({
    valgrindOptions: simulate ? ["--cache-sim=yes", "--branch-sim=yes"] : [],
    command: [
      process.execPath,
      ...COUNTED_NODE_FLAGS,
      ...nodeFlags,
      // --perf-basic-prof also writes V8's log, by default into the working directory.
      ...(nodeFlags.some((flag) => flag.startsWith("--perf-basic-prof"))
        ? ["--no-logfile-per-isolate", `--logfile=${out}.v8.log`]
        : []),
      script,
      "loop",
      variant,
      String(warmup),
      String(count),
      dir,
    ],
    out,
    what: `${variant} × ${count}`,
    env: { ...process.env, UV_THREADPOOL_SIZE: "1", INSTRUCTIONS_SIGNAL: out },
  });
}

/** What callgrind's simulated caches and branch predictor call each event, for `--simulate`. */
const SIMULATED: readonly (readonly [event: string, label: string])[] = [
  ["I1mr", "L1 instruction misses"],
  ["D1mr", "L1 data read misses"],
  ["D1mw", "L1 data write misses"],
  ["ILmr", "last-level instruction misses"],
  ["DLmr", "last-level data read misses"],
  ["DLmw", "last-level data write misses"],
  ["Bcm", "conditional branches mispredicted"],
  ["Bc", "conditional branches"],
  ["Bim", "indirect branches mispredicted"],
  ["Bi", "indirect branches"],
];

/** `--simulate`'s line: each simulated event per request, (high − low) ÷ requests without TurboFan's compiles, as the count. */
function simulatedPerRequest(a: Counted, b: Counted, requests: number): string {
  const parts: string[] = [];
  for (const [event, label] of SIMULATED) {
    const low = a.events[event];
    const high = b.events[event];
    if (low === undefined || high === undefined) continue;
    const perRequest = (high.total - high.compiles - (low.total - low.compiles)) / requests;
    parts.push(`${Math.round(perRequest).toLocaleString("en-US")} ${label}`);
  }
  return `simulated, a request: ${parts.join(", ")}`;
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === "prepare") return prepare(rest[0] ?? "", null, new Set());
  if (mode === "loop") return loop(rest[0] ?? "", Number(rest[1]), Number(rest[2]), rest[3] ?? "");
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      warmup: { type: "string", default: "5000" },
      low: { type: "string", default: "200" },
      high: { type: "string", default: "2200" },
      keep: { type: "string" },
      "node-flag": { type: "string", multiple: true, default: [] },
      simulate: { type: "boolean", default: false },
    },
  });
  const warmup = Number(values.warmup);
  const low = Number(values.low);
  const high = Number(values.high);
  const variants = positionals.length > 0 ? positionals : Object.keys(VARIANTS);
  const keep = values.keep ?? null;
  if (keep !== null && !existsSync(keep)) mkdirSync(keep, { recursive: true });
  await withFixture(variants, "latchkey-instructions-", async (dir) => {
    console.log(
      `instructions per request: (Ir(${high}) − Ir(${low})) ÷ ${high - low} without TurboFan's compiles, callgrind, node --single-threaded; then without the garbage collections too; in brackets with both`,
    );
    for (const variant of variants) {
      const outOf = (count: number) => join(keep ?? dir, `${variant}.${count}.out`);
      // The two runs side by side: callgrind is single-threaded, and they do not share anything.
      const [a, b] = await Promise.all([
        countInstructions(variant, warmup, low, dir, outOf(low), values["node-flag"], values.simulate),
        countInstructions(variant, warmup, high, dir, outOf(high), values["node-flag"], values.simulate),
      ]);
      const perRequest = (x: number, y: number): string => Math.round((y - x) / (high - low)).toLocaleString("en-US");
      console.log(
        `${variant.padEnd(16)} ${perRequest(a.total - a.compiles, b.total - b.compiles).padStart(9)} ${perRequest(a.total - a.compiles - a.collections, b.total - b.compiles - b.collections).padStart(9)}   (${perRequest(a.total, b.total)}; Ir ${a.total} → ${b.total}, compiles ${a.compiles} → ${b.compiles}, collections ${a.collections} → ${b.collections})`,
      );
      if (values.simulate) console.log(`${"".padEnd(16)} ${simulatedPerRequest(a, b, high - low)}`);
    }
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
