/**
 * The records behind an exact session cache with no round trip on a hit (docs/production.md,
 * "The session cache"): one lease per serving process and one revocation counter, kept in the
 * store every process shares (Redis keys with a TTL, or PostgreSQL rows with an expiry).
 *
 * Ordering contract, which the cache's guarantee rests on: a {@link CacheLeaseStore.renew}
 * and a {@link CacheLeaseStore.recordRevocation} are ordered by the store. Either the renewal
 * is ordered after the increment (and returns a counter that includes it), or the renewal's
 * lease write is ordered before the increment (and the lease list that `recordRevocation`
 * returns includes that lease, if it has not expired by the store's clock).
 */
export interface CacheLeaseStore {
  /**
   * Writes (or extends) the lease of `processId` to end `periodMs` from now by the store's
   * clock, and returns the revocation counter as ordered after that write.
   */
  renew(processId: string, periodMs: number): Promise<number>;
  /**
   * Increments the revocation counter and then reads the processes whose lease has not
   * expired (by the store's clock). Resolves to the new counter and those process ids.
   */
  recordRevocation(): Promise<{ counter: number; leases: string[] }>;
  /** The processes whose lease has not expired now (by the store's clock). */
  liveLeases(): Promise<string[]>;
  /** Removes the lease of `processId` (a process that stops serving from its cache). */
  release(processId: string): Promise<void>;
}
