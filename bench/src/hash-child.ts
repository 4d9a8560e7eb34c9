/**
 * Times argon2id with latchkey's default parameters, alone (no HTTP, no store), in a child
 * pinned like the servers: `node hash-child.js <seconds>`. Measures one hash and one
 * verification at a time (the latency a login pays), then verifications with the thread
 * pool kept full (the most logins per second the core could give).
 */
import { availableParallelism } from "node:os";
import { DEFAULT_ARGON2_PARAMS, createPasswordHasher } from "@latchkey/password";
import type { HashResult } from "./messages.js";
import { median } from "./stats.js";

const PASSWORD = "correct horse battery staple 42";

async function timeEach(count: number, operation: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await operation();
    times.push(performance.now() - started);
  }
  return median(times);
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? "5");
  const threadpool = Number(process.env["UV_THREADPOOL_SIZE"] ?? "4");
  const hasher = createPasswordHasher();
  const encoded = await hasher.hash(PASSWORD);
  // Warm up the thread pool and the native module.
  await hasher.verify(encoded, PASSWORD);
  const count = Math.max(5, Math.min(30, Math.round(seconds * 5)));
  const verifyMs = await timeEach(count, () => hasher.verify(encoded, PASSWORD));
  const hashMs = await timeEach(count, () => hasher.hash(PASSWORD));

  const concurrency = threadpool;
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await hasher.verify(encoded, PASSWORD);
        done++;
      }
    }),
  );
  const verifiesPerSecond = done / ((performance.now() - started) / 1000);
  const p = DEFAULT_ARGON2_PARAMS;
  const result: HashResult = {
    params: `m=${p.memoryKiB},t=${p.iterations},p=${p.parallelism}`,
    verifyMs,
    hashMs,
    verifiesPerSecond,
    concurrency,
    threadpool,
    usableCores: availableParallelism(),
  };
  process.send?.({ type: "hash", result }, undefined, {}, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.send?.(
    { type: "failed", message: error instanceof Error ? error.message : String(error) },
    undefined,
    {},
    () => process.exit(1),
  );
});
