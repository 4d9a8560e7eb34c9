import type { CacheLeaseStore } from "../ports/cache-lease-store.js";
import type { Logger } from "../ports/world.js";

/** How long a cache may be trusted after a renewal, and how often it is renewed. Milliseconds. */
export interface CacheLeaseSettings {
  leasePeriodMs: number;
  renewIntervalMs: number;
  driftMarginMs: number;
}

/** A gap between two renewals' counters larger than this empties the cache without looking. */
const MAX_TRACKED_REVOCATIONS = 10_000;

/** What {@link createCacheLease} needs. */
export interface CacheLeaseParts {
  store: CacheLeaseStore;
  settings: CacheLeaseSettings;
  /** This process's lease id (random, per cache). */
  processId: string;
  /** A clock that never jumps (`performance.now()`), in milliseconds; injected for tests. */
  monotonic: () => number;
  logger: Logger;
  /**
   * Called when a renewal's counter shows a revocation this process has not applied from the
   * bus (missed while its subscription was down, or still in flight): the cache must be
   * emptied before the renewal is used.
   */
  missedRevocations(): void;
}

/** This process's lease on serving from its cache. */
export interface CacheLease {
  readonly processId: string;
  /** True while the lease is valid by this process's own clock (renewal sent + period − margin). */
  valid(): boolean;
  /** Records that the revocation with this counter was applied to the cache (from the bus). */
  applied(counter: number): void;
  /** One renewal now (the timer calls it too); resolves when it finished, whether or not it worked. */
  renew(): Promise<void>;
  /** Starts renewing every `renewIntervalMs`, from now. */
  start(): void;
  /** Stops renewing, lets the lease lapse at once here, and removes it from the store (best effort). */
  close(): Promise<void>;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Builds the lease of one session cache. The lease's end is measured from when the renewal
 * was *sent*, on this process's monotonic clock, minus the drift margin: the store counts the
 * same period from when it ran the renewal, which is later, so this process stops trusting
 * its cache before any revoker stops waiting for it (docs/production.md has the argument).
 */
export function createCacheLease(parts: CacheLeaseParts): CacheLease {
  const { store, settings, processId, monotonic, logger } = parts;
  let validUntil = Number.NEGATIVE_INFINITY;
  /** The counter as of the last renewal whose revocations are all applied. */
  let known: number | null = null;
  /** Counters above `known` applied from the bus. */
  const appliedAbove = new Set<number>();
  let inFlight: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let failing = false;
  let closed = false;

  async function renewOnce(): Promise<void> {
    const sent = monotonic();
    let counter: number;
    try {
      counter = await store.renew(processId, settings.leasePeriodMs);
    } catch (error) {
      if (!failing) {
        logger.warn(
          { event: "session_cache_lease_failed", cause: message(error) },
          "could not renew the session cache's lease; the cache stops serving when it runs out, and sessions are read from the store",
        );
      }
      failing = true;
      return;
    }
    if (closed) return;
    let missed = known === null || counter - known > MAX_TRACKED_REVOCATIONS;
    if (!missed && known !== null) {
      for (let c = known + 1; c <= counter; c += 1) {
        if (!appliedAbove.has(c)) {
          missed = true;
          break;
        }
      }
    }
    // Attack stopped: a revocation whose bus message this process never got (subscription
    // down, message lost) would leave the revoked session in the cache; the renewal's counter
    // shows it, and the cache is emptied before the renewed lease lets it serve again.
    if (missed) parts.missedRevocations();
    known = known === null ? counter : Math.max(known, counter);
    for (const c of appliedAbove) if (c <= known) appliedAbove.delete(c);
    validUntil = sent + settings.leasePeriodMs - settings.driftMarginMs;
    if (failing) logger.info({ event: "session_cache_lease_renewed" }, "the session cache's lease is renewed again");
    failing = false;
  }

  function renew(): Promise<void> {
    if (closed) return Promise.resolve();
    inFlight ??= renewOnce().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  return {
    processId,
    valid: () => monotonic() < validUntil,
    applied(counter) {
      if (known === null || counter > known) appliedAbove.add(counter);
    },
    renew,
    start() {
      if (timer !== null || closed) return;
      void renew();
      timer = setInterval(() => void renew(), settings.renewIntervalMs);
      timer.unref();
    },
    async close() {
      closed = true;
      validUntil = Number.NEGATIVE_INFINITY;
      if (timer !== null) clearInterval(timer);
      timer = null;
      await store.release(processId).catch(() => {});
    },
  };
}
