import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";

/**
 * Node's flags for a process whose instructions callgrind counts: one thread for V8 (no
 * concurrent compiler or marker threads), fixed hash and random seeds, and nothing timed by
 * the wall clock or the event loop, so two identical runs agree.
 */
export const COUNTED_NODE_FLAGS: readonly string[] = [
  "--single-threaded",
  "--expose-gc",
  // No full collections on a timer (the memory reducer), and no code thrown away as
  // unused: either makes the count depend on how long the run took on the wall clock
  // (compiling again inside the count), and two runs would not agree.
  "--no-memory-reducer",
  "--no-flush-bytecode",
  "--no-flush-baseline-code",
  // Scavenges only when the young generation is full, not from a task whose timing
  // depends on the event loop (it ran 22 scavenges in one count and 1 in another).
  "--no-minor-gc-task",
  // A young generation of one fixed size (8 MiB semi-spaces, as `latchkey serve` runs), so
  // scavenges come every 8 MiB a run allocates. Left to size itself, V8 grew or shrank it
  // between runs (likely from its allocation rate by the clock, which callgrind slows
  // 50-fold): runs of the bench's app routes scavenged 2 to 38 times in 2,200 requests.
  "--min-semi-space-size=8",
  "--max-semi-space-size=8",
  "--hash-seed=1",
  "--random-seed=1",
];

/** What callgrind_annotate's inclusive costs say of one run: its compiles and its collections. */
export interface Annotated {
  /** The inclusive cost of `Compiler::CompileOptimized[OSR]`: TurboFan's compiles. */
  compiles: number;
  /** The inclusive cost of `Heap::CollectGarbage`: the garbage collections run inside the count. */
  collections: number;
  /**
   * Every event the run recorded, by callgrind's name: `Ir` alone, or with
   * `--cache-sim=yes --branch-sim=yes` the simulated cache misses (`I1mr`, `D1mr`, `D1mw`,
   * `ILmr`, `DLmr`, `DLmw`) and branches (`Bc`, `Bcm` mispredicted, `Bi`, `Bim`) too: the
   * program's total and TurboFan's compiles' inclusive share of it.
   */
  events: Record<string, { total: number; compiles: number }>;
}

/** The numbers of an annotate line's event columns ("1,234 (0.5%)" each), in order. */
function columns(line: string): number[] {
  return [...line.matchAll(/([\d,]+) \(\s*[\d.]+%\)/g)].map((match) =>
    Number((match[1] as string).replaceAll(",", "")),
  );
}

/**
 * The instructions V8's optimising compiler (TurboFan, OSR included) spent in a callgrind
 * file: the inclusive cost of `Compiler::CompileOptimized[OSR]`, read with
 * callgrind_annotate. Functions still reach TurboFan during the count, long after the
 * warm-up (after 20,000 requests there were still some), each where its own call count
 * crosses V8's budget: when that falls between request `low` and `high`, one
 * compilation of tens of millions of instructions lands in the difference of the two
 * runs alone: in every adapter variant 42 to 62 million instructions, 21,000 to 31,000 a
 * request, a different amount for each variant.
 *
 * Also the garbage collections' cost (`Heap::CollectGarbage`): V8 sizes the young generation
 * by the allocation rate it measures on the wall clock, so how many scavenges fall inside a
 * count changes from run to run (two runs of the same `ready` code counted 2,750 and 4,800
 * instructions a request of them, two of `floor` 6,200 and 4,600).
 */
export function annotate(out: string): Promise<Annotated> {
  return new Promise((resolve, reject) => {
    const child = spawn("callgrind_annotate", ["--inclusive=yes", "--threshold=100", out], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let text = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (part: string) => {
      text += part;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`callgrind_annotate failed on ${out}`));
        return;
      }
      const names = /^Events shown:\s+(.+)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
      const totals = columns(/^.*PROGRAM TOTALS.*$/m.exec(text)?.[0] ?? "");
      /** Each event's inclusive cost summed over the functions whose lines match `pattern`. */
      const inclusive = (pattern: RegExp): number[] => {
        const summed = names.map(() => 0);
        for (const match of text.matchAll(pattern))
          columns(match[0]).forEach((value, i) => {
            summed[i] = (summed[i] ?? 0) + value;
          });
        return summed;
      };
      const compiled = inclusive(/^.*v8::internal::Compiler::CompileOptimized(?:OSR)?\(.*$/gm);
      const collected = inclusive(/^.*v8::internal::Heap::CollectGarbage\(.*$/gm);
      const events: Annotated["events"] = {};
      names.forEach((name, i) => {
        events[name] = { total: totals[i] ?? 0, compiles: compiled[i] ?? 0 };
      });
      const ir = names.indexOf("Ir");
      resolve({
        compiles: compiled[ir] ?? 0,
        collections: collected[ir] ?? 0,
        events,
      });
    });
  });
}

/** What one counted run measured: its instructions, and those of TurboFan's compiles and of the collections in them. */
export interface Counted extends Annotated {
  total: number;
}

/** One loop run under callgrind by {@link countWarmRun}. */
export interface CountedRun {
  /** The node command line (`process.execPath`, flags, script, arguments). */
  command: readonly string[];
  /** callgrind's output file; the loop writes `<out>.warm` when warm and waits for `<out>.go`. */
  out: string;
  /** What is counted, for errors (`"ready × 2200"`). */
  what: string;
  /** valgrind options besides the tool, the output file and `--instr-atstart=no`. */
  valgrindOptions?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** The file holding the totals once the run ended. @default out */
  totalsFile?: (out: string) => string;
}

/**
 * Runs one loop under callgrind, instrumentation off during start-up and warm-up and
 * switched on (`callgrind_control -i on`) once the loop says it is warm (`<out>.warm`),
 * then tells the loop to go on (`<out>.go`); resolves to the instructions counted from there
 * to the end, and those of TurboFan's compiles and of the garbage collections in them.
 */
export function countWarmRun(run: CountedRun): Promise<Counted> {
  const { out, what } = run;
  const args = [
    "--tool=callgrind",
    "--instr-atstart=no",
    ...(run.valgrindOptions ?? []),
    `--callgrind-out-file=${out}`,
  ];
  for (const suffix of [".warm", ".go"]) rmSync(`${out}${suffix}`, { force: true });
  return new Promise((resolve, reject) => {
    const child = spawn("valgrind", [...args, ...run.command], {
      stdio: ["ignore", "ignore", "pipe"],
      ...(run.env === undefined ? {} : { env: run.env }),
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (part: string) => {
      stderr = (stderr + part).slice(-4000);
    });
    const watch = setInterval(() => {
      if (!existsSync(`${out}.warm`) || child.pid === undefined) return;
      clearInterval(watch);
      spawn("callgrind_control", ["-i", "on", String(child.pid)], { stdio: "ignore" }).on("close", (code) => {
        if (code === 0) writeFileSync(`${out}.go`, "");
        else {
          child.kill();
          reject(new Error(`callgrind_control failed for ${what}`));
        }
      });
    }, 100);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(watch);
      if (code !== 0) {
        reject(new Error(`${what} failed:\n${stderr}`));
        return;
      }
      const file = run.totalsFile === undefined ? out : run.totalsFile(out);
      const totals = /^(?:summary|totals): (\d+)/m.exec(readFileSync(file, "utf8"));
      if (totals === null) reject(new Error(`No totals in ${file}`));
      else annotate(file).then((annotated) => resolve({ total: Number(totals[1]), ...annotated }), reject);
    });
  });
}
