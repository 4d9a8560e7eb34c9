import { PerformanceObserver, performance } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";

/** The bytes in use in every space of V8's heap. */
function heapUsed(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics()) used += space.space_used_size;
  return used;
}

/** Resolves after the event loop's current turn, so the GC entries of `PerformanceObserver` arrive. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Bytes allocated per request: `rounds` times, after a scavenge, the heap's growth over
 * `count` requests (`send(count)`) divided by `count`. Counted only when no garbage
 * collection ran inside the round (a round with one is `null`): run node with a young
 * generation large enough for `count` requests (`--min-semi-space-size=64
 * --max-semi-space-size=64`) and `--expose-gc`. Everything the process allocates is
 * counted, the client's share too; it is the same for every variant.
 */
export async function allocatedBytesPerRequest(
  send: (count: number) => Promise<void>,
  count: number,
  rounds: number,
): Promise<(number | null)[]> {
  const collect: unknown = Reflect.get(globalThis, "gc");
  if (typeof collect !== "function") throw new Error("Run node with --expose-gc.");
  const collections: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) collections.push(entry.startTime);
  });
  observer.observe({ entryTypes: ["gc"] });
  const perRequest: (number | null)[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      collect({ type: "minor", execution: "sync" });
      await turn();
      const start = performance.now();
      const before = heapUsed();
      await send(count);
      const after = heapUsed();
      await turn();
      const collected = collections.some((time) => time >= start);
      perRequest.push(collected ? null : Math.round((after - before) / count));
    }
  } finally {
    observer.disconnect();
  }
  return perRequest;
}
