import { spawn } from "node:child_process";

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
  "--hash-seed=1",
  "--random-seed=1",
];

/**
 * The instructions V8's optimising compiler (TurboFan, OSR included) spent in a callgrind
 * file: the inclusive cost of `Compiler::CompileOptimized[OSR]`, read with
 * callgrind_annotate. Functions still reach TurboFan during the count, long after the
 * warm-up (after 20,000 requests there were still some), each where its own call count
 * crosses V8's budget: when that falls between request `low` and `high`, one
 * compilation of tens of millions of instructions lands in the difference of the two
 * runs alone: in every adapter variant 42 to 62 million instructions, 21,000 to 31,000 a
 * request, a different amount for each variant.
 */
export function optimisingCompiles(out: string): Promise<number> {
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
      let sum = 0;
      for (const match of text.matchAll(/^\s*([\d,]+) .*v8::internal::Compiler::CompileOptimized(?:OSR)?\(/gm))
        sum += Number((match[1] as string).replaceAll(",", ""));
      resolve(sum);
    });
  });
}
