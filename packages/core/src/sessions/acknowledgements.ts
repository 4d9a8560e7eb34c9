import type { InvalidationBus } from "../ports/invalidation-bus.js";

/** Collects the acknowledgements of revocations this process published. */
export interface AckCollector {
  /**
   * Resolves once every process in `processes` acknowledged `token`, or `withinMs` has
   * passed, whichever is first; to the processes that did not acknowledge. Call it before
   * publishing the event that carries `token`, so no acknowledgement can arrive unseen.
   */
  expect(token: string, processes: readonly string[], withinMs: number): Promise<string[]>;
  /** Stops listening; every wait still pending resolves at once with what is missing. */
  close(): void;
}

interface Waiter {
  readonly missing: Set<string>;
  readonly done: (missing: string[]) => void;
}

/** Listens on `bus` for acknowledgements and hands them to the revocations waiting for them. */
export function createAckCollector(bus: InvalidationBus): AckCollector {
  const waiters = new Map<string, Waiter>();
  const unsubscribe = bus.subscribe((event) => {
    if (event.kind !== "ack") return;
    const waiter = waiters.get(event.token);
    if (waiter === undefined) return;
    waiter.missing.delete(event.process);
    if (waiter.missing.size === 0) waiter.done([]);
  });

  return {
    expect(token, processes, withinMs) {
      const missing = new Set(processes);
      if (missing.size === 0) return Promise.resolve([]);
      return new Promise<string[]>((resolve) => {
        const timer = setTimeout(() => waiter.done([...missing]), Math.max(0, withinMs));
        const waiter: Waiter = {
          missing,
          done(left) {
            clearTimeout(timer);
            waiters.delete(token);
            resolve(left);
          },
        };
        waiters.set(token, waiter);
      });
    },
    close() {
      unsubscribe();
      for (const waiter of [...waiters.values()]) waiter.done([...waiter.missing]);
    },
  };
}
