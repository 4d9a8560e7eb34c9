/** The outcome of {@link ThrottleStore.consume}. */
export type ThrottleDecision =
  /** The event was counted; `remaining` more fit in the current window. */
  | { readonly allowed: true; readonly remaining: number }
  /** The window is full and nothing was counted; it ends in `retryAfterMs` (at least 1). */
  | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * The rate-limit counter: one fixed window per key, opened by the key's first counted event
 * and lasting `windowSeconds`. Every store keeps the count where every server process sharing
 * the store sees it.
 *
 * The contract is atomic: `consume` checks the count and adds one in one indivisible step
 * (a Lua script, a conditional upsert, a synchronous update), so N simultaneous calls on a
 * key with room for `limit` give exactly `limit` allowed, whatever the interleaving. A check
 * followed by a separate write would let every concurrent caller pass the check (a race).
 * A failing backend rejects with `StoreUnavailableError("throttle")`, never with a decision.
 */
export interface ThrottleStore {
  /**
   * Counts one event on `key` if its current window holds fewer than `limit`; a key whose
   * window has ended starts a new one of `windowSeconds`. A refusal counts nothing.
   */
  consume(key: string, limit: number, windowSeconds: number): Promise<ThrottleDecision>;
  /** Takes back one event counted in `key`'s current window (a no-op at zero or once it ended). */
  refund(key: string): Promise<void>;
  /** Forgets `key`'s count and window. */
  reset(key: string): Promise<void>;
}
