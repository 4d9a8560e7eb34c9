/**
 * Defaults of the session cache's lease settings (docs/production.md, "The session cache"),
 * each with its unit and the reason for the value. The config resolver fills from here, and
 * the ready server's settings table and docs/configuration.md quote these values.
 */
export const CACHE_DEFAULTS = Object.freeze({
  /**
   * Milliseconds a process's lease lasts from the moment its renewal was sent. The longest a
   * revocation waits for a process that is dead or cut off from the bus, and the longest a
   * process cut off from the store keeps serving from its cache. 2 s: a revocation stuck
   * behind a dead node still answers within a client's patience.
   */
  leasePeriodMs: 2_000,
  /**
   * Milliseconds between lease renewals: a third of the period, so two renewals in a row
   * may fail (a store hiccup) before the lease, and with it the cache, lapses.
   */
  renewIntervalMs: 667,
  /**
   * Milliseconds taken off the lease's end by the process that holds it, for clocks that run
   * at different rates on different machines: a tenth of the period (NTP-disciplined clocks
   * differ by far less than 10 % over two seconds).
   */
  driftMarginMs: 200,
});
