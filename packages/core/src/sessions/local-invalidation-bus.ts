import type { InvalidationBus, InvalidationBusStatus, InvalidationEvent } from "../ports/invalidation-bus.js";

/**
 * An {@link InvalidationBus} inside one process: `publish` hands the event to every handler
 * before it resolves, so `sync()` has nothing to wait for. Right for a single server process
 * with a session cache, and for tests. Never share it between processes: they would not
 * hear each other (use the Redis or PostgreSQL bus).
 */
export function createLocalInvalidationBus(): InvalidationBus {
  const handlers = new Set<(event: InvalidationEvent) => void>();
  let status: InvalidationBusStatus = "ready";

  function notClosed(): void {
    if (status === "closed") throw new Error("The invalidation bus is closed.");
  }

  return {
    get status() {
      return status;
    },
    async publish(event) {
      notClosed();
      for (const handler of [...handlers]) handler(event);
    },
    subscribe(handler) {
      notClosed();
      handlers.add(handler);
      handler({ kind: "all" });
      return () => {
        handlers.delete(handler);
      };
    },
    async sync() {
      notClosed();
    },
    async close() {
      status = "closed";
      handlers.clear();
    },
  };
}
