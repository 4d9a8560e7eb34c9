/**
 * Bytes allocated on V8's heap per request, for the variants of instructions.ts (the same
 * fixture, servers and keep-alive client, bench/src/request-variants.ts).
 *
 *   npx tsc -b && node bench/dist/allocations.js [variant …] [--warmup 5000] [--count 2000] [--runs 3] [--profile 25]
 *
 * For each variant, `runs` node processes one after another; each starts the server under
 * test in-process, warms it up with `warmup` requests from the raw-socket client (in a child
 * process of its own, client-child.ts), runs a full collection, then has it send `count` more
 * over the same connection. The young generation is made large enough
 * (`--min-semi-space-size` = `--max-semi-space-size` = 128 MiB) that no collection runs during
 * the count (checked: a run with one is refused), so the growth of the heap's used bytes
 * (every space: young, old, code, large objects) over the count is exactly what the server
 * allocated, ÷ `count` is a request. (Until 7 December 2026 the client ran in the measured
 * process and its own allocations were in every figure.) The growth of V8's external memory
 * (Buffers' backing stores, counted apart by V8) is printed beside it. Node runs with `--single-threaded`, fixed seeds and no memory
 * reducer, as under callgrind (callgrind-counts.ts).
 *
 * `--profile N` also samples the count with V8's sampling heap profiler (one sample about
 * every 64 bytes, collected objects kept) in the first run, and prints the N functions whose
 * own allocations weigh most, in bytes per request: where a variant's bytes come from.
 *
 * Internally: `allocations.js loop VARIANT WARMUP COUNT DIR PROFILE` is the measuring process;
 * it prints one JSON line.
 */
import { spawn } from "node:child_process";
import { Session } from "node:inspector";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";
import { COUNTED_NODE_FLAGS } from "./callgrind-counts.js";
import { startVariant, VARIANTS, withFixture } from "./request-variants.js";

/** The young generation's size: a count of 2,000 requests at up to 30 KiB each fits in it. */
const SEMI_SPACE_MIB = "128";

/** What one measuring process reports. */
interface Measured {
  /** Heap bytes allocated over the count (growth of the used bytes of every space). */
  heap: number;
  /** Of `heap`, the young generation's. */
  young: number;
  /** Growth of V8's external memory over the count. */
  external: number;
  /** Garbage collections during the count (the figure is only exact with none). */
  collections: number;
  /** The kinds of those collections (`PerformanceEntry.detail.kind`, 1 scavenge, 4 mark-compact …). */
  kinds: number[];
  /** With a profile: [function and location, bytes] by own allocated bytes, heaviest first. */
  top: [string, number][];
}

function heapUsed(): { heap: number; young: number } {
  let heap = 0;
  let young = 0;
  for (const space of getHeapSpaceStatistics()) {
    heap += space.space_used_size;
    if (space.space_name === "new_space" || space.space_name === "new_large_object_space")
      young += space.space_used_size;
  }
  return { heap, young };
}

/** One node of the sampling heap profiler's tree (Chrome DevTools protocol). */
interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error === null ? resolve(result as T) : reject(error))),
  );
}

/** Own allocated bytes per function and location, summed over the profile's tree. */
function bySelf(root: ProfileNode): [string, number][] {
  const sums = new Map<string, number>();
  const visit = (node: ProfileNode): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\/.*\/(packages|node_modules|bench)\//, "$1/");
    const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    sums.set(key, (sums.get(key) ?? 0) + node.selfSize);
    for (const child of node.children) visit(child);
  };
  visit(root);
  return [...sums].sort((a, b) => b[1] - a[1]);
}

async function loop(variant: string, warmup: number, count: number, dir: string, profile: boolean): Promise<void> {
  const server = await startVariant(variant, dir);
  try {
    const client = await server.connect();
    await client.send(warmup);
    const session = profile ? new Session() : null;
    session?.connect();
    if (session !== null) {
      await post(session, "HeapProfiler.enable");
      await post(session, "HeapProfiler.startSampling", {
        samplingInterval: 64,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    }
    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        kinds.push((Reflect.get(entry, "detail") as { kind?: number } | null)?.kind ?? 0);
    });
    const collect: unknown = Reflect.get(globalThis, "gc");
    if (typeof collect !== "function") throw new Error("Run with --expose-gc.");
    // A full, synchronous collection: plain `gc()`. (On Node 20, `gc({ type: "major" })` runs a
    // scavenge, and the incremental marking the scavenge's promotions started finished during
    // the count.)
    collect();
    // Observed from a later turn of the event loop, so the forced collection's own entries
    // (Node files them from an immediate after the collection) are not counted.
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.observe({ entryTypes: ["gc"] });
    const before = heapUsed();
    const externalBefore = getHeapStatistics().external_memory;
    await client.send(count);
    const after = heapUsed();
    const external = getHeapStatistics().external_memory - externalBefore;
    // The observer's entries arrive on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 20));
    observer.disconnect();
    let top: [string, number][] = [];
    if (session !== null) {
      const { profile: sampled } = await post<{ profile: { head: ProfileNode } }>(session, "HeapProfiler.stopSampling");
      top = bySelf(sampled.head);
      session.disconnect();
    }
    client.close();
    const measured: Measured = {
      heap: after.heap - before.heap,
      young: after.young - before.young,
      external,
      collections: kinds.length,
      kinds,
      top,
    };
    process.stdout.write(`${JSON.stringify(measured)}\n`);
  } finally {
    await server.close();
  }
}

/** Runs one measuring process for `variant` and parses its report. */
function measure(variant: string, warmup: number, count: number, dir: string, profile: boolean): Promise<Measured> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [
      ...COUNTED_NODE_FLAGS,
      `--min-semi-space-size=${SEMI_SPACE_MIB}`,
      `--max-semi-space-size=${SEMI_SPACE_MIB}`,
      script,
      "loop",
      variant,
      String(warmup),
      String(count),
      dir,
      profile ? "profile" : "",
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, UV_THREADPOOL_SIZE: "1" } },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (part: string) => {
    stdout += part;
  });
  child.stderr.setEncoding("utf8").on("data", (part: string) => {
    stderr = (stderr + part).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.split("\n").find((text) => text.startsWith('{"heap"'));
      if (code !== 0 || line === undefined) reject(new Error(`${variant} failed (${code}):\n${stderr}`));
      else resolve(JSON.parse(line) as Measured);
    });
  });
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === "loop")
    return loop(rest[0] ?? "", Number(rest[1]), Number(rest[2]), rest[3] ?? "", rest[4] === "profile");
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      warmup: { type: "string", default: "5000" },
      count: { type: "string", default: "2000" },
      runs: { type: "string", default: "3" },
      profile: { type: "string", default: "0" },
    },
  });
  const warmup = Number(values.warmup);
  const count = Number(values.count);
  const runs = Number(values.runs);
  const profile = Number(values.profile);
  const variants = positionals.length > 0 ? positionals : Object.keys(VARIANTS);
  await withFixture(variants, "latchkey-allocations-", async (dir) => {
    console.log(
      `bytes allocated per request over ${count} requests after ${warmup} (V8 heap, no collection during the count), ${runs} runs; young generation's share and external memory's growth beside`,
    );
    const kib = (bytes: number): string => Math.round(bytes / count).toLocaleString("en-US");
    for (const variant of variants) {
      const measured: Measured[] = [];
      for (let run = 0; run < runs; run += 1)
        measured.push(await measure(variant, warmup, count, dir, run === 0 && profile > 0));
      for (const one of measured)
        if (one.collections > 0)
          throw new Error(
            `${variant}: ${one.collections} collections during the count (kinds ${one.kinds.join(", ")})`,
          );
      const heaps = measured.map((one) => one.heap).sort((a, b) => a - b);
      const median = heaps[Math.floor(heaps.length / 2)] ?? 0;
      console.log(
        `${variant.padEnd(16)} ${kib(median).padStart(7)}   (runs ${measured.map((one) => kib(one.heap)).join(", ")}; young ${measured.map((one) => kib(one.young)).join(", ")}; external ${measured.map((one) => kib(one.external)).join(", ")})`,
      );
      const top = measured[0]?.top ?? [];
      const sampled = top.reduce((sum, [, bytes]) => sum + bytes, 0);
      if (profile > 0 && sampled > 0) {
        console.log(`  sampled ${kib(sampled)} bytes a request; heaviest own allocations:`);
        for (const [where, bytes] of top.slice(0, profile)) console.log(`  ${kib(bytes).padStart(7)}  ${where}`);
      }
    }
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
