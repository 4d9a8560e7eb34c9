/**
 * What a process tells the others to drop from their session caches:
 * - `session`: one session ended (logout, revoke, rotation);
 * - `user`: something about a user changed (password, activation, privileges, profile), or
 *   all of the user's sessions ended; every cached session of the user is dropped;
 * - `all`: drop everything. A bus also hands this to its subscribers whenever its
 *   subscription is (re)established, because events sent while it was down are lost.
 */
export type InvalidationEvent = { kind: "session"; id: string } | { kind: "user"; userId: string } | { kind: "all" };

/**
 * The state of a bus's subscription:
 * - `connecting`: not subscribed yet (or re-subscribing after an outage);
 * - `ready`: subscribed; every event published from now on reaches this process;
 * - `down`: the subscription is lost; events may be missed until it is `ready` again;
 * - `closed`: `close()` was called.
 */
export type InvalidationBusStatus = "connecting" | "ready" | "down" | "closed";

/**
 * Carries cache invalidations between server processes (Redis pub/sub, PostgreSQL
 * LISTEN/NOTIFY, or in-process). Messages from one bus reach each subscriber in the order
 * the bus accepted them; {@link InvalidationBus.sync} relies on that.
 */
export interface InvalidationBus {
  /**
   * Sends `event` to every subscribed process, this one included. Resolves once the bus has
   * accepted it (Redis answered PUBLISH, PostgreSQL committed NOTIFY): from then on, a
   * `sync()` started anywhere resolves only after the event was handed to that process's
   * handlers. Rejects when the bus cannot be reached.
   */
  publish(event: InvalidationEvent): Promise<void>;
  /**
   * Calls `handler` for every event, in order, and with `{ kind: "all" }` each time the
   * subscription becomes ready. Returns the function that unsubscribes.
   */
  subscribe(handler: (event: InvalidationEvent) => void): () => void;
  /** The subscription's state now. Only `ready` means no event can be missed. */
  readonly status: InvalidationBusStatus;
  /**
   * A barrier: resolves once every event the bus accepted before this call has been handed to
   * this process's handlers (the bus sends a marker down the same ordered channel and waits
   * for it to come back). Rejects when the bus is not ready or the marker does not come back
   * in time.
   */
  sync(): Promise<void>;
  /** Unsubscribes and closes the bus's own connections (never those it was given). */
  close(): Promise<void>;
}
