import type { ThrottleDecision, ThrottleStore } from "@latchkey/core";

/** Options of {@link memoryThrottleStore}. */
export interface MemoryThrottleStoreOptions {
  /** Milliseconds since the epoch, for window ends. @default Date.now */
  now?: () => number;
}

/** How many counters may accumulate before expired ones are swept out. */
const SWEEP_EVERY = 1_000;

/**
 * A {@link ThrottleStore} counting in this process's memory. Each method reads and writes the
 * map synchronously, with no `await` in between, so concurrent calls cannot interleave: a
 * consume is atomic. Counts are not shared between processes, so each process of a
 * multi-process deployment would allow `limit` on its own: use a shared store (SQLite, Redis,
 * PostgreSQL) there. Ended windows are dropped on their key's next use, and swept out every
 * 1000 new keys so keys never seen again (an attacker rotating usernames) do not pile up.
 */
export function memoryThrottleStore(options: MemoryThrottleStoreOptions = {}): ThrottleStore {
  const now = options.now ?? Date.now;
  const counters = new Map<string, { count: number; endsAt: number }>();
  let created = 0;

  function sweep(at: number): void {
    for (const [key, counter] of counters) if (counter.endsAt <= at) counters.delete(key);
  }

  return {
    async consume(key, limit, windowSeconds): Promise<ThrottleDecision> {
      const at = now();
      const counter = counters.get(key);
      if (counter === undefined || counter.endsAt <= at) {
        created += 1;
        if (created % SWEEP_EVERY === 0) sweep(at);
        counters.set(key, { count: 1, endsAt: at + windowSeconds * 1000 });
        return { allowed: true, remaining: limit - 1 };
      }
      if (counter.count >= limit) return { allowed: false, retryAfterMs: Math.max(1, counter.endsAt - at) };
      counter.count += 1;
      return { allowed: true, remaining: limit - counter.count };
    },
    async refund(key) {
      const counter = counters.get(key);
      if (counter !== undefined && counter.endsAt > now() && counter.count > 0) counter.count -= 1;
    },
    async reset(key) {
      counters.delete(key);
    },
  };
}
