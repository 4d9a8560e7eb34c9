import type { CacheLeaseStore } from "../ports/cache-lease-store.js";

/** A {@link CacheLeaseStore} that remembers the leases it renewed, so a closing bus can give them back. */
export interface TrackedCacheLeases extends CacheLeaseStore {
  /** Releases every lease renewed through this object and not released yet (best effort: errors are ignored). */
  releaseAll(): Promise<void>;
}

/**
 * Wraps a bus's lease records so that `close()` releases the process's lease: revocations
 * then stop waiting for a process that shut down cleanly at once, not after its lease ran out.
 */
export function trackLeases(store: CacheLeaseStore): TrackedCacheLeases {
  const held = new Set<string>();
  let closed = false;
  return {
    async renew(processId, periodMs) {
      // A renewal after close would take the lease again for a process that stopped.
      if (closed) throw new Error("the invalidation bus is closed");
      held.add(processId);
      return store.renew(processId, periodMs);
    },
    recordRevocation: () => store.recordRevocation(),
    liveLeases: () => store.liveLeases(),
    async release(processId) {
      held.delete(processId);
      await store.release(processId);
    },
    async releaseAll() {
      closed = true;
      const ids = [...held];
      held.clear();
      await Promise.all(ids.map((id) => store.release(id).catch(() => {})));
    },
  };
}
