import type { CacheLeaseStore } from "./cache-lease-store.js";

/**
 * What a process tells the others to drop from their session caches:
 * - `session`: one session ended (logout, revoke, rotation);
 * - `user`: something about a user changed (password, activation, privileges, profile), or
 *   all of the user's sessions ended; every cached session of the user is dropped;
 * - `all`: drop everything. A bus also hands this to its subscribers whenever its
 *   subscription is (re)established, because events sent while it was down are lost.
 */
export type InvalidationEvent =
  | ({ kind: "session"; id: string } & RevocationTag)
  | ({ kind: "user"; userId: string } & RevocationTag)
  | { kind: "all" }
  | AckMessage;

/**
 * What an acknowledged revocation adds to its event (absent on other events):
 * - `ack`: a token; every process that applied the event answers with an {@link AckMessage};
 * - `counter`: the store's revocation counter after this revocation's write (see
 *   {@link CacheLeaseStore}), so a process can tell which revocations it has applied.
 */
export interface RevocationTag {
  ack?: string;
  counter?: number;
}

/** A process's answer to an event carrying `ack`: sent only after it applied the event. */
export interface AckMessage {
  kind: "ack";
  /** The event's `ack` token. */
  token: string;
  /** The acknowledging process's lease id. */
  process: string;
}

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
  /**
   * The lease and revocation-counter records in the store the processes share, when the bus
   * has one (Redis, PostgreSQL). With it, a session cache serves hits with no round trip
   * under leases, and revocations wait for every live lease's acknowledgement (see
   * docs/production.md); without it (the in-process bus), the cache uses `sync()` barriers.
   */
  readonly leases?: CacheLeaseStore;
}
